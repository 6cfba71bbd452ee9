// swift-tools-version:6.0
// Copydesk: a drop-folder batch content generator. No dependencies beyond the Swift toolchain.
import PackageDescription

let package = Package(
    name: "copydesk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "copydesk", targets: ["copydesk"]),
        .library(name: "Liquid", targets: ["Liquid"]),
    ],
    targets: [
        // The template language; depends on nothing.
        .target(name: "Liquid"),
        // Model, JSON, atomic writes, POSIX helpers, clock, logging.
        .target(name: "DeskKit"),
        // inotify and polling watchers, stability, claims, scans.
        .target(name: "Intake", dependencies: ["DeskKit"]),
        // Request formats: decoding into the model, encoding each result shape.
        .target(name: "Dialects", dependencies: ["DeskKit", "Scheduling"]),
        // Rules and limits, per-item rejections.
        .target(name: "Validation", dependencies: ["DeskKit", "Dialects"]),
        // Template store, variant choice, rendering.
        .target(name: "Generation", dependencies: ["DeskKit", "Liquid"]),
        // Strategies, the timer queue, publishing.
        .target(name: "Scheduling", dependencies: ["DeskKit"]),
        // The daemon: wires the stages, recovery, status writer, metrics.
        .target(
            name: "Desk", dependencies: ["DeskKit", "Intake", "Dialects", "Validation", "Generation", "Liquid", "Scheduling"]),
        // The command line: thin.
        .executableTarget(name: "copydesk", dependencies: ["Desk", "DeskKit", "Generation", "Liquid"]),
        // The Liquid benchmark (Scripts/bench liquid): not shipped.
        .executableTarget(name: "liquid-bench", dependencies: ["Liquid", "DeskKit", "Generation"], path: "Sources/LiquidBench"),
        // Scripts/bench bandit: the latency of one variant choice.
        .executableTarget(name: "bandit-bench", dependencies: ["Generation", "DeskKit"], path: "Sources/BanditBench"),
        // One-input functions for every decoder and parser of hostile input (Scripts/fuzz, and the
        // regression tests that replay the corpus and every crash found).
        .target(
            name: "FuzzTargets", dependencies: ["DeskKit", "Dialects", "Validation", "Generation", "Liquid", "Scheduling"]),
        // Scripts/fuzz builds it with -sanitize=fuzzer -D FUZZING; a normal build replays files.
        .executableTarget(name: "copydesk-fuzz", dependencies: ["FuzzTargets", "DeskKit"], path: "Sources/CopydeskFuzz"),

        .testTarget(name: "LiquidTests", dependencies: ["Liquid"]),
        .testTarget(name: "DeskKitTests", dependencies: ["DeskKit"]),
        .testTarget(name: "IntakeTests", dependencies: ["Intake", "DeskKit"]),
        .testTarget(name: "DialectsTests", dependencies: ["Dialects", "DeskKit", "Scheduling"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "Dialects", "DeskKit"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "DeskKit", "Liquid"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "DeskKit"]),
        .testTarget(name: "DeskTests", dependencies: ["Desk", "DeskKit", "Scheduling"]),
        .testTarget(name: "DeskIntegrationTests", dependencies: ["DeskKit"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
    ],
    swiftLanguageModes: [.v6]
)
