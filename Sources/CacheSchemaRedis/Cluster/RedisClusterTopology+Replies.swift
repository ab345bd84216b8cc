import CacheSchemaRESP

extension RedisClusterTopology {
    /// Reads a `CLUSTER SHARDS` reply (Redis 7; RESP3 maps or RESP2 flat arrays). A shard's primary is its node with
    /// role `master`; its replicas are the nodes with role `replica` whose health is `online`. A node's host is its
    /// announced endpoint, or its IP when the endpoint is unknown (`?` or empty); its port is the TLS port when
    /// `tls` is set and the node announces one.
    ///
    /// - Parameters:
    ///   - reply: The reply.
    ///   - queried: The node that answered: the host of a node whose endpoint and IP are both unknown.
    ///   - tls: Whether the client connects with TLS.
    /// - Throws: ``RedisError`` of kind ``RedisError/Kind/unexpectedReply`` when the reply does not have this shape.
    public init(shardsReply reply: RESPValue, queried: RedisClusterNode, tls: Bool = false) throws(RedisError) {
        var shards: [RedisClusterShard] = []
        for shardValue in try Self.elements(reply, "CLUSTER SHARDS") {
            let shard = try Self.fields(shardValue, "a shard of CLUSTER SHARDS")
            let bounds = try Self.elements(shard["slots"] ?? .array([]), "a shard's slots").map { value throws(RedisError) in
                try Self.integer(value, "a slot")
            }
            guard bounds.count % 2 == 0 else { throw RedisError(.unexpectedReply, "a shard's slots are not start/end pairs") }
            var slots: [ClosedRange<Int>] = []
            for index in stride(from: 0, to: bounds.count, by: 2) {
                guard bounds[index] <= bounds[index + 1] else {
                    throw RedisError(.unexpectedReply, "a shard reported the slot range \(bounds[index])-\(bounds[index + 1])")
                }
                slots.append(bounds[index]...bounds[index + 1])
            }
            var primary: RedisClusterNode?
            var replicas: [RedisClusterNode] = []
            for nodeValue in try Self.elements(shard["nodes"] ?? .array([]), "a shard's nodes") {
                let node = try Self.fields(nodeValue, "a node of CLUSTER SHARDS")
                let address = try Self.address(node, queried: queried, tls: tls)
                switch try node["role"].map({ value throws(RedisError) in try Self.text(value, "a node's role") }) {
                case "master": primary = address
                case "replica" where (try node["health"].map { value throws(RedisError) in try Self.text(value, "a node's health") }) == "online":
                    replicas.append(address)
                default: break
                }
            }
            // A shard whose primary is not known serves nothing until a refresh finds one.
            if let primary { shards.append(RedisClusterShard(slots: slots, primary: primary, replicas: replicas)) }
        }
        try self.init(shards: shards)
    }

    /// Reads a `CLUSTER SLOTS` reply (servers before Redis 7): entries of a start slot, an end slot, the primary
    /// (`[host, port, id, …]`) and its replicas. An empty host means the node that answered.
    ///
    /// - Throws: ``RedisError`` of kind ``RedisError/Kind/unexpectedReply`` when the reply does not have this shape.
    public init(slotsReply reply: RESPValue, queried: RedisClusterNode) throws(RedisError) {
        var byPrimary: [RedisClusterNode: (slots: [ClosedRange<Int>], replicas: Set<RedisClusterNode>)] = [:]
        for entryValue in try Self.elements(reply, "CLUSTER SLOTS") {
            let entry = try Self.elements(entryValue, "an entry of CLUSTER SLOTS")
            guard entry.count >= 3 else { throw RedisError(.unexpectedReply, "an entry of CLUSTER SLOTS has no primary") }
            let start = try Self.integer(entry[0], "a slot"), end = try Self.integer(entry[1], "a slot")
            guard start <= end else { throw RedisError(.unexpectedReply, "CLUSTER SLOTS reported the slot range \(start)-\(end)") }
            let nodes = try entry.dropFirst(2).map { value throws(RedisError) -> RedisClusterNode in
                let fields = try Self.elements(value, "a node of CLUSTER SLOTS")
                guard fields.count >= 2 else { throw RedisError(.unexpectedReply, "a node of CLUSTER SLOTS has no port") }
                let host = try Self.text(fields[0], "a node's host")
                return RedisClusterNode(host: host.isEmpty || host == "?" ? queried.host : host, port: try Self.integer(fields[1], "a node's port"))
            }
            byPrimary[nodes[0], default: ([], [])].slots.append(start...end)
            byPrimary[nodes[0], default: ([], [])].replicas.formUnion(nodes.dropFirst())
        }
        try self.init(shards: byPrimary.map { RedisClusterShard(slots: $0.value.slots, primary: $0.key, replicas: Array($0.value.replicas)) })
    }

    private static func address(_ node: [String: RESPValue], queried: RedisClusterNode, tls: Bool) throws(RedisError) -> RedisClusterNode {
        let endpoint = try node["endpoint"].map { value throws(RedisError) in try text(value, "a node's endpoint") } ?? ""
        let ip = try node["ip"].map { value throws(RedisError) in try text(value, "a node's IP") } ?? ""
        let host = [endpoint, ip].first { !$0.isEmpty && $0 != "?" } ?? queried.host
        let plainPort = try node["port"].map { value throws(RedisError) in try integer(value, "a node's port") }
        let tlsPort = try node["tls-port"].map { value throws(RedisError) in try integer(value, "a node's TLS port") }
        guard let port = (tls ? tlsPort : nil) ?? plainPort else {
            throw RedisError(.unexpectedReply, "a node of CLUSTER SHARDS has no port\(tls ? "" : " without TLS")")
        }
        return RedisClusterNode(host: host, port: port)
    }

    /// The elements of an array (or set) reply.
    private static func elements(_ value: RESPValue, _ what: String) throws(RedisError) -> [RESPValue] {
        switch value {
        case .array(let items), .set(let items): return items
        default: throw RedisError(.unexpectedReply, "expected \(what) to be an array, got \(value.kindName)")
        }
    }

    /// The fields of a map reply (RESP3), or of a flat array of names and values (RESP2).
    private static func fields(_ value: RESPValue, _ what: String) throws(RedisError) -> [String: RESPValue] {
        var fields: [String: RESPValue] = [:]
        switch value {
        case .map(let pairs):
            for pair in pairs { fields[try text(pair.key, "a field name of \(what)")] = pair.value }
        case .array(let items) where items.count % 2 == 0:
            for index in stride(from: 0, to: items.count, by: 2) { fields[try text(items[index], "a field name of \(what)")] = items[index + 1] }
        default:
            throw RedisError(.unexpectedReply, "expected \(what) to be a map, got \(value.kindName)")
        }
        return fields
    }

    private static func text(_ value: RESPValue, _ what: String) throws(RedisError) -> String {
        do { return try value.text() } catch { throw RedisError(.unexpectedReply, "expected \(what) to be text, got \(value.kindName)") }
    }

    private static func integer(_ value: RESPValue, _ what: String) throws(RedisError) -> Int {
        do { return Int(try value.integer()) } catch { throw RedisError(.unexpectedReply, "expected \(what) to be an integer, got \(value.kindName)") }
    }
}
