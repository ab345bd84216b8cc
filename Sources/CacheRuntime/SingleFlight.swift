import Synchronization

/// Runs at most one operation per key at a time in this process; concurrent callers for the same key share its
/// result or its error.
///
/// - The operation runs in its own task: a caller that is cancelled stops waiting at once (`CancellationError`)
///   without cancelling the work the other callers wait for.
/// - A write, delete or invalidation in this process ``supersede(keys:owners:)``s the flights it concerns: later
///   callers start a new flight instead of joining one whose loader may have read the source before the change, and
///   the superseded flight is told not to store its result.
final class SingleFlight: Sendable {
    /// One run of an operation, as the operation sees it.
    final class Flight: Sendable {
        fileprivate let key: String
        fileprivate let owners: [String]
        fileprivate let result = SharedResult<any Sendable>()
        private let supersededFlag = Atomic<Bool>(false)
        /// Callers that joined it rather than starting it (for tests that must know a caller is waiting on it).
        fileprivate let joined = Atomic<Int>(0)

        fileprivate init(key: String, owners: [String]) {
            self.key = key
            self.owners = owners
        }

        /// Whether a write, delete or invalidation of its key happened in this process after it started: what it
        /// loaded may be older than the source, so it must not be stored.
        var isSuperseded: Bool { supersededFlag.load(ordering: .acquiring) }

        fileprivate func supersede() { supersededFlag.store(true, ordering: .releasing) }
    }

    private struct State: Sendable {
        /// Joinable flights by concrete key, then by value type (two call sites may read one key as different types).
        var byKey: [String: [ObjectIdentifier: Flight]] = [:]
        /// The concrete keys with joinable flights, by owning entity instance, so that an invalidation finds them
        /// without scanning every flight.
        var keysByOwner: [String: Set<String>] = [:]

        mutating func remove(_ flight: Flight, type: ObjectIdentifier) {
            guard byKey[flight.key]?[type] === flight else { return }
            byKey[flight.key]?[type] = nil
            if byKey[flight.key]?.isEmpty == true { removeKey(flight.key, owners: flight.owners) }
        }

        /// Detaches every flight of `key`, and returns them.
        mutating func detach(key: String) -> [Flight] {
            guard let flights = byKey[key] else { return [] }
            let detached = Array(flights.values)
            removeKey(key, owners: detached.first?.owners ?? [])
            return detached
        }

        private mutating func removeKey(_ key: String, owners: [String]) {
            byKey[key] = nil
            for owner in owners {
                keysByOwner[owner]?.remove(key)
                if keysByOwner[owner]?.isEmpty == true { keysByOwner[owner] = nil }
            }
        }
    }

    private let state = Mutex(State())

    /// Runs `operation` for `key` unless a flight for it is running, and returns its result.
    ///
    /// - Parameters:
    ///   - key: The concrete key.
    ///   - owners: Identities of the entity instances owning the key (see ``supersede(keys:owners:)``).
    ///   - operation: The work, given its flight to ask whether it was superseded.
    /// - Throws: The operation's error, or `CancellationError` when the calling task is cancelled while waiting.
    func run<Value: Sendable>(
        key: String, owners: [String], _ operation: @escaping @Sendable (Flight) async throws -> Value
    ) async throws -> Value {
        let type = ObjectIdentifier(Value.self)
        let (flight, isNew) = state.withLock { state -> (Flight, Bool) in
            if let existing = state.byKey[key]?[type] {
                existing.joined.add(1, ordering: .relaxed)
                return (existing, false)
            }
            let flight = Flight(key: key, owners: owners)
            state.byKey[key, default: [:]][type] = flight
            for owner in owners { state.keysByOwner[owner, default: []].insert(key) }
            return (flight, true)
        }
        if isNew {
            Task {
                let result: Result<any Sendable, any Error>
                do { result = .success(try await operation(flight)) } catch { result = .failure(error) }
                // Not joinable once it has an answer: a later caller reads the cache again.
                self.state.withLock { $0.remove(flight, type: type) }
                flight.result.complete(result)
            }
        }
        // The flight is found by the value type, so the cast cannot fail.
        return try await flight.result.value() as! Value
    }

    /// How many callers joined the joinable flights of `key` (tests wait for this instead of sleeping).
    func joinedCallers(of key: String) -> Int {
        state.withLock { state in state.byKey[key]?.values.reduce(0) { $0 + $1.joined.load(ordering: .relaxed) } ?? 0 }
    }

    /// Makes the flights of `keys`, and of every key owned by one of `owners`, unjoinable and superseded: callers
    /// from now on start a new flight, and the old ones do not store what they loaded.
    func supersede(keys: [String], owners: [String]) {
        state.withLock { state in
            guard !state.byKey.isEmpty else { return }
            var detached = keys.flatMap { state.detach(key: $0) }
            for owner in owners {
                for key in state.keysByOwner[owner] ?? [] { detached += state.detach(key: key) }
            }
            // Marked before the write goes on, so that no detached flight decides to store after this returns.
            for flight in detached { flight.supersede() }
        }
    }
}

/// A result that several tasks wait for. A waiter whose task is cancelled stops waiting at once with
/// `CancellationError`; the others keep waiting.
final class SharedResult<Value: Sendable>: Sendable {
    private enum State: Sendable {
        case pending(waiters: [UInt64: CheckedContinuation<Value, any Error>], nextWaiter: UInt64)
        case done(Result<Value, any Error>)
    }

    private let state = Mutex(State.pending(waiters: [:], nextWaiter: 0))

    /// Sets the result and resumes every waiter; only the first call counts.
    func complete(_ result: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard case .pending(let waiters, _) = state else { return [] }
            state = .done(result)
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The result, once it is set.
    ///
    /// - Throws: The result's error, or `CancellationError` when the calling task is cancelled first.
    func value() async throws -> Value {
        let (done, id) = state.withLock { state -> (Result<Value, any Error>?, UInt64) in
            switch state {
            case .done(let result):
                return (result, 0)
            case .pending(let waiters, let next):
                state = .pending(waiters: waiters, nextWaiter: next + 1)
                return (nil, next)
            }
        }
        if let done { return try done.get() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLock { state -> Result<Value, any Error>? in
                    switch state {
                    case .done(let result):
                        return result
                    case .pending(var waiters, let next):
                        // Cancelled before registering: the cancellation handler has run and found nothing to resume.
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[id] = continuation
                        state = .pending(waiters: waiters, nextWaiter: next)
                        return nil
                    }
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
                guard case .pending(var waiters, let next) = state, let waiter = waiters.removeValue(forKey: id) else { return nil }
                state = .pending(waiters: waiters, nextWaiter: next)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Waits for the result at most `limit`; whether it was set in time.
    func wait(atMost limit: Duration) async -> Bool {
        guard limit > .zero else { return isDone }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try? await self.value()
                return self.isDone
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private var isDone: Bool {
        state.withLock { if case .done = $0 { true } else { false } }
    }
}
