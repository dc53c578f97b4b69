// swift-tools-version:6.0
import PackageDescription

/// Upcoming language features every target builds with.
let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "healthctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "healthctl", targets: ["healthctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"], swiftSettings: upcomingFeatures),
        .target(name: "Gzip", dependencies: ["CZlib"], swiftSettings: upcomingFeatures),
        .target(
            name: "HealthctlCore",
            dependencies: [
                "PostgresClient",
                "Gzip",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            resources: [.copy("Resources/sql")],
            swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "healthctl",
            dependencies: [
                "HealthctlCore",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"], swiftSettings: upcomingFeatures),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(name: "HealthctlCoreTests", dependencies: ["HealthctlCore", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(name: "EndToEndTests", dependencies: ["healthctl", "TestSupport"], swiftSettings: upcomingFeatures),
        .target(name: "TestSupport", dependencies: ["PostgresClient", "HealthctlCore"], path: "Tests/TestSupport", swiftSettings: upcomingFeatures),
    ],
    swiftLanguageModes: [.v6]
)
