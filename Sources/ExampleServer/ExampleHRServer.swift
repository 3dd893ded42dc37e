/// Entry point of the example HR MCP server, shared by the `example-hr-server` binary and the CLI.
package enum ExampleHRServer {
    /// Command-line usage, printed to stderr for bad arguments.
    static let usage = "usage: example-hr-server [--crash-after N] [--stderr-banner]"

    /// Runs the server on stdin/stdout until stdin closes. Never returns early on bad input.
    package static func runStdio(arguments: [String]) -> Int32 {
        var loop = StdioServerLoop()
        var banner = false
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--stderr-banner":
                banner = true
            case "--crash-after":
                guard let value = remaining.popFirst().flatMap({ Int($0) }), value >= 0 else {
                    StdioServerLoop.log("--crash-after needs a non-negative integer\n\(usage)")
                    return 64
                }
                loop.crashAfter = value
            case "-h", "--help":
                StdioServerLoop.log(usage)
                return 0
            default:
                StdioServerLoop.log("unknown argument: \(argument)\n\(usage)")
                return 64
            }
        }
        if banner { StdioServerLoop.log("example-hr-server ready") }
        return loop.run()
    }
}
