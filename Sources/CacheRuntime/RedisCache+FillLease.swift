import CacheSchemaRESP
import CacheSchemaRedis
import NIOCore

extension RedisCache {
    /// What a flight that missed learned from the key's fill lease (see ``CacheFillLease``).
    enum LeaseOutcome<Value: Sendable>: Sendable {
        /// The key got a value while this caller waited (another process stored it); read when the look was sent.
        case hit(Value, sent: ContinuousClock.Instant)
        /// This caller holds the lease with `token` and loads; `waited` when it took the lease over after waiting (its
        /// snapshot of the generations is then older than the wait and is read again).
        case holder(token: String, waited: Bool)
        /// This caller loads without the lease: the holder gave up, the wait ran out, or Redis could not be asked.
        case loadAlone
    }

    /// Takes the key's fill lease, or waits for the value of the process that holds it (see ``CacheFillLease``).
    ///
    /// Each look is one script in the key's slot (``CacheScripts/acquireLease``): the value if the key has one by now,
    /// else the lease if it is free. The first look has what is left of the caller's read budget; later ones
    /// `readTimeout` each, all within `policy.maximumWait`. Any failure to ask Redis ends the wait: the caller loads
    /// (fail-open).
    ///
    /// - Parameter unreadable: The key holds a value this caller cannot read (another type or envelope): the looks
    ///   ignore it instead of returning it.
    /// - Throws: `CancellationError` only.
    func awaitFillLease<Value: Codable & Sendable>(
        _ key: CacheKey<Value>, policy: CacheFillLease, unreadable: Bool, budget: RedisWaitBudget
    ) async throws -> LeaseOutcome<Value> {
        let instruments = metrics.forKey(key.name)
        let token = Self.newLeaseToken()
        let keys = [key.rawValue, CacheIndexKeys.lease(of: key)]
        let duration = String(Self.milliseconds(policy.duration))
        let waitEnd = ContinuousClock.now + policy.maximumWait
        var ignoresValue = unreadable
        var attempt = 0
        while true {
            let sent = ContinuousClock.now
            let timeout = attempt == 0 ? budget.remaining : min(readTimeout, waitEnd - sent)
            guard timeout > .zero else { return .loadAlone }
            let reply: RESPValue
            do {
                reply = try await runScript(CacheScripts.acquireLease, keys: keys, values: [token, duration, ignoresValue ? "1" : "0"], timeout: timeout)
            } catch {
                if error is CancellationError { throw error }
                instruments.errors.increment()
                logger.debug("the fill lease could not be asked for; loading without it", metadata: ["key": "\(key.name)", "error": "\(error)"])
                return .loadAlone
            }
            guard case .array(let items) = reply, let first = items.first else { return .loadAlone }
            if case .bulkString(let buffer) = first {
                if case .hit(let value) = decode(buffer, for: key, instruments: instruments, countMisses: false) { return .hit(value, sent: sent) }
                // Stored by a process that writes another type or envelope: not ours to wait for.
                ignoresValue = true
                continue
            }
            let state = items.count > 1 ? (try? items[1].text()) : nil
            switch state {
            case "acquired":
                // Acquired after waiting: the holder's lease expired before it stored (released leases are not taken).
                if attempt > 0 { instruments.leaseTimeouts.increment() }
                return .holder(token: token, waited: attempt > 0)
            case "held": break
            default: return .loadAlone
            }
            if attempt == 0 { instruments.leaseWaits.increment() }
            let pause = policy.pause(before: attempt)
            guard ContinuousClock.now + pause < waitEnd else {
                instruments.leaseTimeouts.increment()
                logger.debug("waited for another process's load past the lease's maximumWait; loading", metadata: ["key": "\(key.name)"])
                return .loadAlone
            }
            try await Task.sleep(for: pause)
            attempt += 1
        }
    }

    /// Takes the key's fill lease if it is free, whatever the key holds (a background refresh: the value is there
    /// and stays served); the token, or `nil` when another process holds it or gave it up a moment ago.
    func takeFillLease<Value>(_ key: CacheKey<Value>, policy: CacheFillLease) async throws -> String? {
        let token = Self.newLeaseToken()
        let reply = try await runScript(
            CacheScripts.acquireLease, keys: [key.rawValue, CacheIndexKeys.lease(of: key)],
            values: [token, String(Self.milliseconds(policy.duration)), "1"], timeout: readTimeout)
        guard case .array(let items) = reply, items.count > 1, (try? items[1].text()) == "acquired" else { return nil }
        return token
    }

    /// A lease token: `t` and 128 random bits in hex.
    static func newLeaseToken() -> String {
        "t" + String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
    }

    /// Gives up a held lease without storing (the loader found nothing, failed, or its result must not be stored), so
    /// that the waiting processes load at once instead of waiting out the lease. Best effort, in the background.
    func releaseFillLease<Value>(_ key: CacheKey<Value>, token: String?) {
        guard let token, token != Self.noLeaseToken else { return }
        let lease = CacheIndexKeys.lease(of: key)
        Task {
            do {
                _ = try await self.runScript(CacheScripts.releaseLease, keys: [lease], values: [token], timeout: self.writeTimeout)
            } catch {
                self.logger.debug("the fill lease could not be released; it expires", metadata: ["key": "\(key.name)", "error": "\(error)"])
            }
        }
    }

    /// The token of a fill that loads without a lease of its own: it never matches a holder, so such a fill is
    /// refused only while another process holds the lease.
    static let noLeaseToken = "-"
}
