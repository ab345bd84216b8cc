import Foundation
import Logging
import ServiceLifecycle

#if OTel
    import OTel
#endif

/// The export of traces to an OpenTelemetry collector: request spans from Hummingbird's `TracingMiddleware`, with the
/// cache's spans (`getOrSet restaurantStats`, …) as their children.
///
/// Two switches, both needed: the build (the package trait `OTel`, `swift build --traits OTel`, which brings in
/// swift-otel; a default build has none of it) and the environment (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, set). swift-otel reads the other standard variables itself:
/// `OTEL_SERVICE_NAME` (default here `shop-service`), `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`, …; the
/// protocol is OTLP/HTTP (Protocol Buffers by default, or JSON), the only exporter the trait builds.
enum TraceExport {
    /// The service name spans carry unless `OTEL_SERVICE_NAME` says otherwise.
    static let serviceName = "shop-service"

    /// Whether `environment` asks for traces: a collector endpoint is set, and `OTEL_SDK_DISABLED` is not `true`.
    static func isRequested(by environment: [String: String]) -> Bool {
        func isSet(_ name: String) -> Bool { !(environment[name]?.trimmingCharacters(in: .whitespaces).isEmpty ?? true) }
        guard environment["OTEL_SDK_DISABLED"]?.lowercased() != "true" else { return false }
        return isSet("OTEL_EXPORTER_OTLP_ENDPOINT") || isSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    }

    /// Sets up the process's tracer when the build includes the exporter and `environment` asks for it, and returns
    /// the service that exports spans in the background (to run beside the HTTP server); `nil` otherwise. Call it once,
    /// after `LoggingSystem.bootstrap` (the exporter logs through it).
    ///
    /// Only traces: logs keep going to standard output and metrics to `GET /metrics`.
    /// - Throws: ``Unsupported`` for the gRPC protocol; swift-otel's configuration error (a malformed `OTEL_*`
    ///   variable).
    static func bootstrap(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard isRequested(by: environment) else { return nil }
        #if OTel
            // swift-otel stops the process (fatalError) when asked for an exporter its build left out: say it first.
            let requested = environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"]
            if let requested, requested.trimmingCharacters(in: .whitespaces).lowercased() == "grpc" {
                throw Unsupported(description: "OTLP over gRPC is not built in; use http/protobuf (the default) or http/json")
            }
            var configuration = OTel.Configuration.default
            configuration.serviceName = serviceName
            configuration.diagnosticLogger = .custom(Logger(label: "shop-service.otel"))
            configuration.diagnosticLogLevel = .warning
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.traces.otlpExporter.protocol = .httpProtobuf
            let service = try OTel.bootstrap(configuration: configuration, environment: environment)
            logger.info("exporting traces over OTLP/HTTP", metadata: [
                "endpoint": "\(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "")"
            ])
            return service
        #else
            logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set, but this build cannot export traces: build with --traits OTel")
            return nil
        #endif
    }

    /// A setting this build cannot honour.
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }
}
