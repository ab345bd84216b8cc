import Synchronization

/// Runs at most one operation per key at a time in this process; concurrent callers for the same key share its
/// result or its error. The operation runs in its own task, so a caller that is cancelled does not cancel the work
/// the other callers wait for.
final class SingleFlight: Sendable {
    private struct Flight {
        let id: UInt64
        let task: Task<any Sendable, any Error>
    }

    private let flights = Mutex<(next: UInt64, byKey: [String: Flight])>((0, [:]))

    /// The number of operations running now.
    var count: Int { flights.withLock { $0.byKey.count } }

    func run<Value: Sendable>(key: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        // The value type is part of the key: two call sites may read one concrete key as different types.
        let flightKey = key + "\u{0}" + String(describing: ObjectIdentifier(Value.self))
        let task = flights.withLock { state -> Task<any Sendable, any Error> in
            if let existing = state.byKey[flightKey] { return existing.task }
            state.next += 1
            let id = state.next
            let task = Task<any Sendable, any Error> {
                defer {
                    self.flights.withLock { state in
                        if state.byKey[flightKey]?.id == id { state.byKey[flightKey] = nil }
                    }
                }
                return try await operation()
            }
            state.byKey[flightKey] = Flight(id: id, task: task)
            return task
        }
        // The flight key includes the value type, so the cast cannot fail.
        return try await task.value as! Value
    }
}
