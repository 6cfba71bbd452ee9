// The copydesk command line: parses arguments and calls the Desk library. Nothing else lives here.
#if canImport(Glibc)
import Glibc
#endif
import Desk
import DeskKit
import Dispatch
import Liquid

let usage = """
    copydesk: a drop-folder batch content generator.

    USAGE
      copydesk init ROOT                   create a desk (folders and a first template)
      copydesk watch ROOT [--poll SECONDS] run the daemon: take files dropped in ROOT/inbox/
      copydesk process ROOT                one pass: admit everything in the inbox, do the work due now, exit
      copydesk status ROOT [BATCH] [--json] batches with a progress bar each and the next publication
      copydesk cancel ROOT BATCH           cancel a scheduled batch: pending and generated items are cancelled
      copydesk validate [--root ROOT] [--org ORG] FILE...
                                           dry run: each item's verdict, no files touched
      copydesk render TEMPLATE_FILE --data DATA.json [--partials DIR] [--strict]
                                           render a Liquid template and print the text

    OPTIONS
      --log-format text|json   log lines on stderr for people (default) or machines
      --log-level debug|info|warn|error
      --poll SECONDS           poll the inbox instead of using inotify (automatic on NFS, SMB, FUSE)
      --provider NAME          (watch, process) try this provider first for prompt items: a name from
                               copydesk.json's "providers", or offline (built in, no network)
      -h, --help               this help
      --version                the version

    EXIT STATUS
      0 success; 1 something was rejected or failed (process, validate, render); 2 bad usage or desk.

    Drop request files into ROOT/inbox/ (or ROOT/inbox/<org>/); results appear in ROOT/outbox/<org>/,
    statuses in ROOT/state/<org>/. Write a file under a dot-name and rename it into place.
    Drop events (*.events.jsonl: impression, click, conversion) the same way to feed the bandit.
    See README.md for the formats.
    """

/// Prints `text` to standard error.
func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

/// Exits with a usage error.
func usageError(_ message: String) -> Never {
    printError("copydesk: \(message)\nRun `copydesk --help` for usage.")
    exit(2)
}

/// Command-line arguments: positionals plus `--flag value` and `--switch` options.
struct Arguments {
    var positionals: [String] = []
    var options: [String: String] = [:]
    var switches: Set<String> = []

    static let valued: Set<String> = ["--poll", "--log-format", "--log-level", "--data", "--partials", "--root", "--org", "--provider"]
    static let switchNames: Set<String> = ["--json", "--strict", "--help", "-h", "--version"]

    init(_ args: ArraySlice<String>) {
        var i = args.startIndex
        while i < args.endIndex {
            let arg = args[i]
            if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--"), Self.valued.contains(String(arg[..<eq])) {
                options[String(arg[..<eq])] = String(arg[arg.index(after: eq)...])
            } else if Self.valued.contains(arg) {
                guard i + 1 < args.endIndex else { usageError("\(arg) needs a value") }
                options[arg] = args[i + 1]
                i += 1
            } else if Self.switchNames.contains(arg) {
                switches.insert(arg)
            } else if arg.hasPrefix("-") && arg != "-" {
                usageError("unknown option \(arg)")
            } else {
                positionals.append(arg)
            }
            i += 1
        }
    }
}

func makeLogger(_ args: Arguments) -> Logger {
    var logger = Logger()
    if let format = args.options["--log-format"] {
        guard let f = Logger.Format(rawValue: format) else { usageError("--log-format is text or json") }
        logger.format = f
    }
    if let level = args.options["--log-level"] {
        switch level {
        case "debug": logger.minimumLevel = .debug
        case "info": logger.minimumLevel = .info
        case "warn", "warning": logger.minimumLevel = .warning
        case "error": logger.minimumLevel = .error
        default: usageError("--log-level is debug, info, warn or error")
        }
    }
    return logger
}

func openDesk(_ args: Arguments, root: String) -> Desk {
    var poll: Double?
    if let text = args.options["--poll"] {
        guard let seconds = Double(text), seconds > 0 else { usageError("--poll needs a number of seconds > 0") }
        poll = seconds
    }
    // COPYDESK_RANDOM_SEED fixes variant choice's random sequence (reproducible examples and tests).
    var seed: UInt64?
    if let text = getenv("COPYDESK_RANDOM_SEED").map({ String(cString: $0) }) {
        guard let value = UInt64(text) else { usageError("COPYDESK_RANDOM_SEED must be an unsigned integer") }
        seed = value
    }
    do {
        return try Desk(
            root: root, pollSeconds: poll, logger: makeLogger(args), randomSeed: seed, provider: args.options["--provider"])
    } catch {
        printError("copydesk: \(error)")
        exit(2)
    }
}

func onlyRoot(_ args: Arguments, _ command: String) -> String {
    guard args.positionals.count == 2 else { usageError("\(command) takes one ROOT folder") }
    return args.positionals[1]
}

let args = Arguments(CommandLine.arguments.dropFirst())
// A program of a command provider that exits before reading its whole prompt must give an
// EPIPE error, not kill copydesk.
signal(SIGPIPE, SIG_IGN)
if args.switches.contains("--version") {
    print("copydesk 0.1.0")
    exit(0)
}
guard let command = args.positionals.first, !args.switches.contains("--help"), !args.switches.contains("-h") else {
    print(usage)
    exit(args.positionals.isEmpty && !args.switches.contains("--help") && !args.switches.contains("-h") ? 2 : 0)
}

switch command {
case "help":
    print(usage)

case "init":
    let root = onlyRoot(args, "init")
    do {
        let created = try DeskInitializer.create(root: root)
        print(created.isEmpty ? "\(root) is already a desk" : "created a desk at \(root)")
    } catch {
        printError("copydesk: \(error)")
        exit(2)
    }

case "watch":
    let desk = openDesk(args, root: onlyRoot(args, "watch"))
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    var sources: [any DispatchSourceSignal] = []
    for sig in [SIGTERM, SIGINT] {
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { @Sendable in
            desk.logger.info("desk.stopping", ["signal": sig == SIGTERM ? "SIGTERM" : "SIGINT"])
            desk.stop()
        }
        source.resume()
        sources.append(source)
    }
    do {
        try await desk.run()
    } catch {
        printError("copydesk: \(error)")
        exit(2)
    }
    _ = sources
    exit(0)

case "process":
    let desk = openDesk(args, root: onlyRoot(args, "process"))
    do {
        let summary = try await desk.processOnce()
        print(
            "admitted \(summary.admitted), rejected \(summary.rejected), duplicates \(summary.duplicates), "
                + "failed \(summary.failed); items generated \(summary.itemsGenerated), "
                + "items rejected or failed \(summary.itemProblems)"
                + (summary.eventsFiles > 0 ? "; events files \(summary.eventsFiles), events counted \(summary.eventsCounted)" : "")
                + (summary.scheduled > 0 || summary.batchesWaiting > 0 || summary.scheduledItemsHandled > 0
                    ? "; scheduled batches \(summary.scheduled), scheduled items done now \(summary.scheduledItemsHandled), "
                        + "batches waiting \(summary.batchesWaiting)"
                        + (summary.nextDue.map { ", next due \($0.iso8601)" } ?? "") : "")
                + (summary.cancels > 0 ? "; cancellations \(summary.cancels)" : ""))
        exit(summary.hasProblems ? 1 : 0)
    } catch {
        printError("copydesk: \(error)")
        exit(2)
    }

case "status":
    guard args.positionals.count == 2 || args.positionals.count == 3 else {
        usageError("status takes ROOT and an optional BATCH")
    }
    do {
        let report = try StatusReport(
            layout: DeskLayout(root: args.positionals[1]),
            batchID: args.positionals.count == 3 ? args.positionals[2] : nil)
        if args.switches.contains("--json") {
            print(report.json.serializedString(pretty: true), terminator: "")
        } else {
            print(report.table(), terminator: "")
        }
    } catch {
        printError("copydesk: \(error)")
        exit(error.code == .notFound ? 1 : 2)
    }

case "cancel":
    guard args.positionals.count == 3 else { usageError("cancel takes ROOT and BATCH") }
    let root = args.positionals[1]
    do {
        let answer = try await Desk.cancel(root: root, batchID: args.positionals[2], open: { openDesk(args, root: root) })
        if args.switches.contains("--json") {
            print(answer.json.serializedString(pretty: true), terminator: "")
        } else {
            print(answer.summary)
        }
    } catch {
        printError("copydesk: \(error)")
        exit(error.code == .notFound ? 1 : 2)
    }

case "validate":
    let files = Array(args.positionals.dropFirst())
    guard !files.isEmpty else { usageError("validate takes one or more FILEs") }
    var configuration = DeskConfiguration()
    var layout: DeskLayout?
    if let root = args.options["--root"] {
        layout = DeskLayout(root: root)
        do {
            configuration = try DeskConfiguration.load(root: root)
        } catch {
            printError("copydesk: \(error)")
            exit(2)
        }
    }
    var failed = false
    for file in files {
        let run = DryRun(
            path: file, configuration: configuration, layout: layout, org: args.options["--org"] ?? DeskLayout.defaultOrg)
        print(run.text, terminator: "")
        failed = failed || run.hasErrors
    }
    exit(failed ? 1 : 0)

case "render":
    guard args.positionals.count == 2 else { usageError("render takes one TEMPLATE_FILE") }
    guard let dataPath = args.options["--data"] else { usageError("render needs --data DATA.json") }
    let templatePath = args.positionals[1]
    do {
        guard let source = try FileSystem.readFile(templatePath, limit: 16 << 20) else {
            printError("copydesk: \(templatePath) is larger than 16 MiB")
            exit(1)
        }
        guard let dataBytes = try FileSystem.readFile(dataPath, limit: 256 << 20) else {
            printError("copydesk: \(dataPath) is larger than 256 MiB")
            exit(1)
        }
        let data: JSONValue
        do {
            data = try JSONValue.parse(dataBytes)
        } catch {
            printError("\(dataPath):\(error.line):\(error.column): \(error.message)")
            exit(1)
        }
        guard case .object = data else {
            printError("\(dataPath): the data must be a JSON object")
            exit(1)
        }
        let strict = args.switches.contains("--strict")
        let template = try Template.parse(
            String(decoding: source, as: UTF8.self), name: templatePath, options: ParseOptions(strict: strict))
        guard case .object(let variables) = Value(json: data) else { exit(1) }
        // Partials: --partials DIR, or the template's own folder.
        let partials = args.options["--partials"] ?? Path.parent(templatePath)
        guard FileSystem.isDirectory(partials) else {
            printError("copydesk: the partials folder \(partials) does not exist")
            exit(1)
        }
        let output = try template.render(
            variables, options: RenderOptions(strict: strict, loader: DirectoryLoader(directory: partials)))
        print(output, terminator: "")
    } catch let error as LiquidError {
        printError(error.description)
        exit(1)
    } catch {
        printError("copydesk: \(error)")
        exit(1)
    }

default:
    usageError("unknown command '\(command)'")
}
