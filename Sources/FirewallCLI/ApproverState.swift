import FirewallCore
import FirewallHTTP
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What keeps the approver's URL stable across restarts: its port and page token, in
/// `$XDG_STATE_HOME/mcp-firewall/approver.json` (`~/.local/state/…`), mode 0600.
struct ApproverState: Equatable {
    var port: Int
    var token: String

    /// The file's path for `environment`.
    static func path(environment: [String: String]) -> String {
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return state + "/mcp-firewall/approver.json"
    }

    /// The saved state, or nil when there is none or it cannot be read (a fresh one is made then).
    static func load(_ path: String) -> ApproverState? {
        guard let data = FileManager.default.contents(atPath: path),
            let value = try? JSONParser.parse(Array(data)),
            let port = value["port"]?.doubleValue.flatMap(Int.init(exactly:)), let token = value["token"]?.stringValue,
            (1...65535).contains(port), Base64URL.decode(token)?.count == 32
        else { return nil }
        return ApproverState(port: port, token: token)
    }

    /// Writes the state (mode 0600, replacing the file atomically).
    func save(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("port", port)
        writer.field("token", token)
        writer.endObject()
        writer.endLine()
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(writer.take()), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary]) }
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// The page token as an `AccessToken`.
    var accessToken: AccessToken { AccessToken(bytes: Base64URL.decode(token) ?? []) }

    /// Whether `port` on `host` can be listened on now (nobody else holds it).
    static func portIsFree(_ port: Int, host: WebApprovalAddress.Host) -> Bool {
        let family = host == .ipv6 ? AF_INET6 : AF_INET
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        if host == .ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = in6addr_loopback
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
