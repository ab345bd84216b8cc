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
        let waitEnd = ContinuousClock.now + policy.maximumWait
        var ignoresValue = unreadable
        var attempt = 0
        while true {
            let sent = ContinuousClock.now
            let timeout = attempt == 0 ? budget.remaining : min(readTimeout, waitEnd - sent)
            guard timeout > .zero else {
                // The read deadline passed before the lease could be asked for: a Redis too slow to answer in time,
                // counted as an error like any read past its deadline.
                instruments.errors.increment()
                logger.debug("the read deadline passed before the fill lease could be asked for; loading without it", metadata: ["key": "\(key.name)"])
                return .loadAlone
            }
            let look: LeaseLook
            do {
                look = try await lookAtLease(key, token: token, policy: policy, ignoringValue: ignoresValue, timeout: timeout)
            } catch {
                if error is CancellationError { throw error }
                instruments.errors.increment()
                logger.debug("the fill lease could not be asked for; loading without it", metadata: ["key": "\(key.name)", "error": "\(error)"])
                return .loadAlone
            }
            switch look {
            case .value(let buffer):
                if case .hit(let value) = decode(buffer, for: key, instruments: instruments, countMisses: false) { return .hit(value, sent: sent) }
                // Stored by a process that writes another type or envelope: not ours to wait for.
                ignoresValue = true
                continue
            case .acquired:
                // Acquired after waiting: the holder's lease expired before it stored (released leases are not taken).
                if attempt > 0 { instruments.leaseTimeouts.increment() }
                return .holder(token: token, waited: attempt > 0)
            case .held: break
            case .released: return .loadAlone
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
        let look = try await lookAtLease(key, token: token, policy: policy, ignoringValue: true, timeout: readTimeout)
        return look == .acquired ? token : nil
    }

    /// What one look at a key and its lease found (``CacheScripts/acquireLease``).
    enum LeaseLook: Equatable {
        /// The key has a value (unless the look ignored it).
        case value(ByteBuffer)
        /// The lease was free, or already this token's: it is now.
        case acquired
        /// Another process holds it.
        case held
        /// The holder gave up (or the reply was not understood): load without it.
        case released
    }

    /// One look: the key's value, or else its lease for `token` if free.
    private func lookAtLease<Value>(
        _ key: CacheKey<Value>, token: String, policy: CacheFillLease, ignoringValue: Bool, timeout: Duration
    ) async throws -> LeaseLook {
        let reply = try await runScript(
            CacheScripts.acquireLease, keys: [key.rawValue, CacheIndexKeys.lease(of: key)],
            values: [token, String(Self.milliseconds(policy.duration)), ignoringValue ? "1" : "0"], timeout: timeout)
        guard case .array(let items) = reply, let first = items.first else { return .released }
        if case .bulkString(let buffer) = first { return .value(buffer) }
        switch items.count > 1 ? (try? items[1].text()) : nil {
        case "acquired": return .acquired
        case "held": return .held
        default: return .released
        }
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
