/// A problem of the test environment rather than of the code under test (a tool that failed, a reply that is not what
/// a helper can read).
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
