// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kube-sim", targets: ["kube-sim"]),
        .executable(name: "kube-sim-bench", targets: ["kube-sim-bench"]),
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "KubeSim", targets: ["KubeSim"]),
        .library(name: "Kube", targets: ["Kube"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "VigilJSON"
        ),
        .target(
            name: "VigilYAML",
            dependencies: [
                "VigilJSON",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KubeSim",
            dependencies: [
                "VigilJSON",
                "VigilYAML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "VigilHTTP",
            dependencies: ["CCurl"]
        ),
        .target(
            name: "Kube",
            dependencies: [
                "VigilHTTP",
                "VigilJSON",
                "VigilYAML",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "CCrypto",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(
            name: "VigilRuntime",
            dependencies: [
                "CCrypto",
                "Kube",
                "VigilJSON",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "VigilPrometheus",
            dependencies: [
                "VigilHTTP",
                "VigilJSON",
                "VigilRuntime",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "VigilAPI",
            dependencies: [
                "VigilJSON",
                "VigilYAML",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "VigilHost",
            dependencies: [
                "Kube",
                "VigilPrometheus",
                "VigilAPI",
                "VigilYAML",
                "VigilJSON",
                "VigilRuntime",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "VigilLoadTest",
            dependencies: [
                "Kube",
                "ProcessFixtures",
                "VigilHost",
                "VigilHTTP",
                "VigilJSON",
                "VigilRuntime",
                "VigilAPI",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "VigilControllers",
            dependencies: [
                "Kube", "VigilAPI", "VigilHTTP", "VigilJSON", "VigilPrometheus", "VigilRuntime", "VigilYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "Kube",
                "VigilHTTP",
                "VigilPrometheus",
                "VigilAPI",
                "VigilControllers",
                "VigilHost",
                "VigilRuntime",
                "VigilJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Vigil"
        ),
        .executableTarget(
            name: "vigil-loadtest",
            dependencies: [
                "VigilLoadTest",
                "VigilJSON",
                "VigilRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "kube-sim",
            dependencies: [
                "KubeSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kube-sim-bench",
            dependencies: [
                "KubeSim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "kube-client-bench",
            dependencies: ["Kube", "VigilHTTP"]
        ),
        .testTarget(
            name: "KubeSimTests",
            dependencies: ["KubeSim", "VigilJSON"]
        ),
        .testTarget(
            name: "VigilHTTPTests",
            dependencies: ["VigilHTTP", "ProcessFixtures"]
        ),
        // Child processes (kube-sim, nginx, Python peers) for the test suites, the benchmarks and vigil-loadtest.
        .target(
            name: "ProcessFixtures"
        ),
        .testTarget(
            name: "VigilRuntimeTests",
            dependencies: [
                "VigilRuntime",
                "ProcessFixtures",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "VigilPrometheusTests",
            dependencies: [
                "VigilPrometheus",
                "VigilHTTP",
                "VigilJSON",
                "VigilRuntime",
                "ProcessFixtures",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "VigilAPITests",
            dependencies: ["VigilAPI", "VigilJSON", "VigilRuntime"]
        ),
        .testTarget(
            name: "VigilHostTests",
            dependencies: [
                "Kube", "VigilHost", "VigilJSON", "VigilRuntime", "ProcessFixtures", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "VigilControllersTests",
            dependencies: [
                "Kube", "VigilControllers", "VigilAPI", "VigilHTTP", "VigilJSON", "VigilPrometheus", "VigilRuntime", "VigilYAML", "ProcessFixtures",
                .product(name: "Yams", package: "Yams"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "VigilLoadTestTests",
            dependencies: ["VigilLoadTest", "Kube", "VigilHTTP", "VigilJSON"]
        ),
        .testTarget(
            name: "KubeTests",
            dependencies: ["Kube", "ProcessFixtures"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
