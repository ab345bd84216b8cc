import Foundation

/// The directory holding the built products (the test bundle sits beside them): where a test finds an executable of
/// this package (`cache-schema`, `cache-race`) that its target depends on.
public func productsDirectory(containing executable: String) -> URL {
    let bundle = Bundle.main.bundleURL
    if FileManager.default.fileExists(atPath: bundle.appendingPathComponent(executable).path) { return bundle }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}
