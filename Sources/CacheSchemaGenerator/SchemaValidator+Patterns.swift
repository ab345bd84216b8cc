import CacheSchemaCore

/// Patterns: their grammar, their placeholders against the declared parameters, and their separators.
extension SchemaValidator {
    /// Parses a pattern whose text starts at `location`; a problem becomes an error at its place in the file.
    mutating func parsePattern(_ text: String, kind: CachePattern.Kind, at location: SourceLocation) -> SchemaPattern? {
        do {
            return SchemaPattern(try CachePattern(text, kind: kind), at: location)
        } catch {
            diagnostics.report(.invalidPattern, error.message, at: location.advanced(by: error.offset))
            return nil
        }
    }

    /// Checks that every placeholder of a key pattern is declared once and every key parameter is used. `rejected`
    /// holds names declared with an error already reported; placeholders naming them get no second error.
    ///
    /// - Returns: The placeholders reported as undeclared.
    mutating func checkPlaceholders(
        _ pattern: SchemaPattern, key: String, entity: String, identity: [Parameter], parameters: [Parameter], rejected: Set<String>
    ) -> Set<String> {
        let declared = identity.map(\.name) + parameters.map(\.name)
        var seen: Set<String> = []
        var undeclared: Set<String> = []
        for case .placeholder(let name, let offset) in pattern.segments {
            let at = pattern.location(atOffset: offset)
            if !seen.insert(name).inserted {
                diagnostics.report(.repeatedPlaceholder, "placeholder '{\(name)}' appears twice in the pattern of key '\(key)'; use each parameter once", at: at)
            } else if !declared.contains(name) && !rejected.contains(name) {
                diagnostics.report(.undeclaredPlaceholder, "placeholder '{\(name)}' in key '\(key)' is not declared; add it to the key's 'params' or to the id of entity '\(entity)'" + Suggestions.didYouMean(name, among: declared), at: at)
                undeclared.insert(name)
            }
        }
        for parameter in parameters where !seen.contains(parameter.name) {
            diagnostics.report(.unusedParameter, "parameter '\(parameter.name)' of key '\(key)' is not used in its pattern '\(pattern.text)'; use it as '{\(parameter.name)}' or remove it", at: parameter.location)
        }
        return undeclared
    }

    /// A variable-length value must be followed by a character it can never contain, so that every concrete key has
    /// exactly one reading (`{name}-{city}` is ambiguous: `-` can occur in an encoded String).
    mutating func checkSeparators(_ pattern: SchemaPattern, types: [String: CacheParameterType]) {
        for (index, segment) in pattern.segments.enumerated() {
            guard case .placeholder(let name, let offset) = segment, let type = types[name],
                index + 1 < pattern.segments.count, case .literal(let next) = pattern.segments[index + 1],
                let first = next.unicodeScalars.first
            else { continue }
            let alphabet = KeyAlphabet.valueAlphabet(of: type)
            if alphabet.contains(UInt8(first.value)) && KeyAlphabet.isVariableLength(type) {
                let separators = KeyAlphabet.separators(for: type)
                diagnostics.report(.ambiguousSeparator, "'{\(name)}' is followed by '\(first)', which can occur in an encoded \(type) value, so a key would have two readings; follow it with one of \(separators)", at: pattern.location(atOffset: offset))
            }
        }
    }
}
