extension SchemaDiff {
    /// The human-readable form: each change as `path:line: severity: what: old → new [#id]`, the line the `check`
    /// diagnostics use (without a column), then what it does while both versions run, indented; then a summary.
    public func textReport() -> String {
        var out = ""
        for change in changes {
            out += change.headline + "\n"
            out += "  " + change.effect + ".\n"
            if let live = change.liveKeys { out += "  Live keys it concerns: \(live).\n" }
        }
        if !changes.isEmpty { out += "\n" }
        out += "\(old.file) → \(new.file): "
        if changes.isEmpty {
            out += "no change that a running fleet notices\n"
        } else {
            out += "\(counts.breaking) breaking, \(counts.warning) warning\(counts.warning == 1 ? "" : "s"), \(counts.safe) safe\n"
        }
        return out
    }
}

extension SchemaChange {
    /// `new.cache.yaml:12: breaking: key 'user': shop:user:{<user_id>} → shop:users:{<user_id>} [#pattern-changed]`.
    var headline: String {
        let location = file + (line.map { ":\($0)" } ?? "")
        let what: String
        switch subject {
        case .schema: what = "namespace"
        case .entity: what = "entity '\(name)'"
        case .key: what = "key '\(name)'"
        case .related: what = "related pattern \"\(name)\" of entity '\(entity ?? "")'"
        }
        let values: String
        switch (old, new) {
        case (let before?, let after?): values = "\(before) → \(after)"
        case (let before?, nil): values = "removed (\(before))"
        case (nil, let after?): values = "added (\(after))"
        case (nil, nil): values = "changed"
        }
        return "\(location): \(severity.rawValue): \(what): \(values) [#\(id.rawValue)]"
    }
}
