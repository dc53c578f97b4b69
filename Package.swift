// swift-tools-version:6.0
import PackageDescription

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
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        .target(name: "Gzip", dependencies: ["CZlib"]),
        .target(
            name: "HealthctlCore",
            dependencies: [
                "PostgresClient",
                "Gzip",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            resources: [.copy("Resources/sql")]
        ),
        .executableTarget(
            name: "healthctl",
            dependencies: [
                "HealthctlCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
        .testTarget(name: "HealthctlCoreTests", dependencies: ["HealthctlCore", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["healthctl", "TestSupport"]),
        .target(name: "TestSupport", dependencies: ["PostgresClient"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
