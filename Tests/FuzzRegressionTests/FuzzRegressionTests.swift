import Foundation
import FuzzTargets
import Testing

/// Replays the fuzz seed corpus and every crash the fuzzer ever found through the same
/// one-input functions `Scripts/fuzz` drives: each must return normally, quickly.
@Suite struct FuzzRegressionTests {
    /// `Tests/Fuzz`, beside this file's folder.
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files of `Tests/Fuzz/<kind>/<target>/`, sorted (none when the folder does not exist).
    static func files(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func theSeedCorpusRunsCleanly(_ target: FuzzTarget) throws {
        let seeds = Self.files("corpus", target)
        #expect(!seeds.isEmpty, "Tests/Fuzz/corpus/\(target.rawValue)/ has no seed")
        for seed in seeds { target.run(Array(try Data(contentsOf: seed))) }
    }

    /// Every kept crash is replayed (a crash would end the test process); the list is checked
    /// to be non-empty, so a moved folder cannot turn the test into one that replays nothing.
    @Test func everyCrashFoundStaysFixed() throws {
        let inputs = FuzzTarget.allCases.flatMap { target in Self.files("regressions", target).map { (target, $0) } }
        #expect(!inputs.isEmpty, "Tests/Fuzz/regressions/ holds no crash input")
        for (target, input) in inputs { target.run(Array(try Data(contentsOf: input))) }
    }

    @Test func everyTargetHasAFolderOfItsOwnAndNoStrayOnes() throws {
        for kind in ["corpus", "regressions"] {
            let folder = Self.fuzzFolder.appendingPathComponent(kind).path
            let names = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            #expect(
                names.subtracting(FuzzTarget.allCases.map(\.rawValue)).isEmpty, "unknown target folder in \(folder)")
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyTargetSurvivesEdgeInputs(_ target: FuzzTarget) {
        let inputs: [[UInt8]] = [
            [], [0], [0xFF, 0xFE], Array("{}".utf8), Array("[]".utf8), Array("null".utf8),
            Array(repeating: UInt8(ascii: "["), count: 10_000), Array(repeating: UInt8(ascii: "{"), count: 10_000),
            Array("\"\u{0}\"\n\r\n,,,\"".utf8),
            Array(#"{"items": [{}], "requests": [{}], "posts": [], "schedule": {}}"#.utf8),
            Array("{% for i in (1..100000000) %}{{ i }}{% endfor %}".utf8),
        ]
        for input in inputs { target.run(input) }
    }
}
