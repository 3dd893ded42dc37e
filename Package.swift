// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "mcp-firewall",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mcp-firewall", targets: ["mcp-firewall"]),
        .executable(name: "example-hr-server", targets: ["example-hr-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Already in the graph through Hummingbird; named for the approval page's request deadline.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // The webhook channel's HTTP client (URLSession would pull FoundationNetworking and libcurl in).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "mcp-firewall",
            dependencies: ["FirewallCLI"]
        ),
        .target(
            name: "FirewallCLI",
            dependencies: [
                "FirewallCore",
                "FirewallRelay",
                "FirewallClient",
                "FirewallReport",
                "FirewallHTTP",
                "FirewallWebhook",
                "FirewallAuditSinks",
                "ExampleServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FirewallCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "FirewallRelay",
            dependencies: [
                "FirewallCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // An MCP host over stdio: the demo drives the proxy with it, and so do the tests and benchmarks.
        .target(name: "FirewallClient", dependencies: ["FirewallRelay", "FirewallCore"]),
        .target(
            name: "FirewallReport",
            dependencies: ["FirewallCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "FirewallHTTP",
            dependencies: [
                "FirewallCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The approver's Unix domain socket listener.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/FirewallHTTP"
        ),
        .target(
            name: "FirewallWebhook",
            dependencies: [
                "FirewallCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Audit sinks with heavy dependencies (the HTTP collector's client), out of the relay's build.
        .target(
            name: "FirewallAuditSinks",
            dependencies: [
                "FirewallCore", "FirewallRelay", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FirewallAuditSinksTests",
            dependencies: [
                "FirewallAuditSinks", "FirewallRelay", "FirewallCore", "FirewallTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FirewallWebhookTests",
            dependencies: ["FirewallWebhook", "FirewallRelay", "FirewallCore", "FirewallTestSupport"]
        ),
        .target(name: "ExampleServer"),
        .executableTarget(
            name: "example-hr-server",
            dependencies: ["ExampleServer"]
        ),
        .executableTarget(
            name: "mcp-firewall-bench",
            dependencies: ["FirewallClient", "FirewallRelay", "FirewallCore"],
            path: "Benchmarks/ProxyBenchmark"
        ),
        .testTarget(name: "FirewallCoreTests", dependencies: ["FirewallCore"], exclude: ["Fixtures"]),
        .testTarget(
            name: "FirewallRelayTests",
            dependencies: [
                "FirewallRelay", "FirewallCore", "FirewallTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers the test targets share: temporary folders, the in-process relay harness, scripted
        // approval channels. Never linked into a product.
        .target(
            name: "FirewallTestSupport",
            dependencies: ["FirewallRelay", "FirewallCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FirewallTestSupport"
        ),
        .testTarget(
            name: "FirewallCLITests",
            dependencies: [
                "FirewallCLI", "FirewallClient", "FirewallRelay", "FirewallCore", "FirewallHTTP", "FirewallTestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Golden"]
        ),
        .executableTarget(
            name: "mcp-firewall-report-bench",
            dependencies: ["FirewallReport"],
            path: "Benchmarks/ReportBenchmark"
        ),
        .testTarget(
            name: "FirewallReportTests",
            dependencies: [
                "FirewallReport", "FirewallCore", "FirewallTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures", "Golden"]
        ),
        .testTarget(name: "ExampleServerTests", dependencies: ["ExampleServer"]),
        .testTarget(
            name: "FirewallHTTPTests",
            dependencies: [
                "FirewallHTTP", "FirewallCore", "FirewallTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/FirewallHTTPTests"
        ),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
