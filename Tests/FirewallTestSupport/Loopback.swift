import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Raw TCP to a server on this machine, for what an HTTP client library cannot do (read a stream
/// byte by byte, trickle a body, hold a connection half open).
package enum Loopback {
    /// A socket connected to 127.0.0.1:`port`; the caller closes it. With `receiveTimeout`, a read
    /// that waits longer fails instead of hanging the test.
    package static func connect(port: Int, receiveTimeout: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Foundation.POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        if let receiveTimeout {
            var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Foundation.POSIXError(.ECONNREFUSED)
        }
        return fd
    }
}
