import Foundation

/// Fresh folders under the temporary directory, one per test, so tests never share files.
package enum TemporaryFolder {
    /// Creates a new empty folder named after `prefix` and returns its path.
    package static func make(_ prefix: String = "mcp-firewall-tests") throws -> String {
        let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
