import DeskKit
import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

#if FUZZING
    /// The target libFuzzer drives, from `COPYDESK_FUZZ_TARGET` (Scripts/fuzz sets it).
    nonisolated(unsafe) private var selectedTarget: FuzzTarget = .json

    /// libFuzzer's set-up hook: chooses the target once, before the first input.
    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzerInitialize(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
    ) -> Int32 {
        let name = getenv("COPYDESK_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fail("copydesk-fuzz: set COPYDESK_FUZZ_TARGET to one of: \(known)", status: 2)
        }
        selectedTarget = target
        return 0
    }

    /// libFuzzer's entry point: one input to the selected target.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        selectedTarget.run(input)
        return 0
    }

    /// libFuzzer's driver, for a program that has a `main` of its own (C calling convention; its
    /// arguments are pointers and its result an `int`, which Swift passes the same way on x86-64 and
    /// arm64).
    @_silgen_name("LLVMFuzzerRunDriver")
    func llvmFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// The entry point SwiftPM links as `main` (it renames every executable's entry point, so
    /// libFuzzer's own `main` is never the one called): hands the command line to libFuzzer.
    @main
    struct FuzzDriver {
        static func main() {
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(
                withUnsafeMutablePointer(to: &argv) { argv in
                    llvmFuzzerRunDriver(
                        &argc, UnsafeMutablePointer(argv), { data, size in fuzzerTestOneInput(data, size) })
                })
        }
    }
#else
    /// Without libFuzzer (a normal build): replays files through a target, for reproducing a crash
    /// under a debugger. `copydesk-fuzz TARGET FILE…`
    @main
    struct FuzzReplay {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                fail("usage: copydesk-fuzz \(known) FILE…  (replays each file through the target)", status: 2)
            }
            for path in arguments.dropFirst() {
                guard let bytes = try? FileSystem.readFile(path) else {
                    fail("copydesk-fuzz: cannot read \(path)", status: 1)
                }
                target.run(bytes)
                print("\(path): ok")
            }
        }
    }
#endif

/// Writes `message` and a newline to standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}
