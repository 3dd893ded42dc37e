import FirewallCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `mcp-firewall` executable: ignore SIGPIPE, then hand over to the root command.
@main
enum MCPFirewall {
    static func main() async {
        // A client or server that hangs up must surface as a write error, never kill the proxy.
        signal(SIGPIPE, SIG_IGN)
        // An audit log over the file-size limit must fail the write (and deny calls), not kill us.
        signal(SIGXFSZ, SIG_IGN)
        await MCPFirewallCommand.main()
    }
}
