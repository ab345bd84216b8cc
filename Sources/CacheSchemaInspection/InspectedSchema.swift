import CacheSchemaCore
import CacheSchemaGenerator

/// What an inspection needs to know of a schema: its namespace and, per key, its declared TTL and stale window.
public struct InspectedSchema: Sendable {
    /// The compiled schema.
    public let schema: Schema
    /// Its analysis (key layouts, owners).
    public let analysis: SchemaAnalysis

    /// Wraps a schema compiled without errors.
    public init(schema: Schema, analysis: SchemaAnalysis) {
        self.schema = schema
        self.analysis = analysis
    }

    /// The namespace, or `nil` when the schema has none (the walk then covers every key of the database).
    public var namespace: String? { schema.namespace }
}
