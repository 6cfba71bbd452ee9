#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line per event on standard error, as text for people or JSON for machines.
///
/// Each line is built whole and written with a single `write(2)`, so lines from several threads
/// never interleave. Fields keep the order they are given in.
public struct Logger: Sendable {
    /// How lines are written.
    public enum Format: String, Sendable {
        /// `2026-11-23T09:00:00.000Z info  admitted org=default batch=a-7f3a9c1e`
        case text
        /// `{"ts":"…","level":"info","event":"admitted","org":"default",…}`
        case json
    }

    /// How important a line is.
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warn"
            case .error: return "error"
            }
        }
    }

    /// The line format.
    public var format: Format
    /// Lines below this level are dropped.
    public var minimumLevel: Level
    /// The file descriptor lines go to (standard error by default).
    public var descriptor: Int32
    /// The clock that stamps lines.
    public var clock: any DeskClock

    /// A logger writing `format` lines of at least `minimumLevel` to `descriptor`.
    public init(
        format: Format = .text, minimumLevel: Level = .info, descriptor: Int32 = 2,
        clock: any DeskClock = SystemClock()
    ) {
        self.format = format
        self.minimumLevel = minimumLevel
        self.descriptor = descriptor
        self.clock = clock
    }

    /// A logger that writes nothing.
    public static let silent = Logger(minimumLevel: .error, descriptor: -1)

    /// Logs `event` with `fields` at `level`.
    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= minimumLevel, descriptor >= 0 else { return }
        var line = ""
        let ts = clock.now().iso8601
        switch format {
        case .text:
            line = ts + " " + level.name + " " + event
            for (key, value) in fields {
                line += " " + key + "=" + Self.quoteIfNeeded(value)
            }
        case .json:
            var object = JSONObject()
            object["ts"] = .string(ts)
            object["level"] = .string(level.name)
            object["event"] = .string(event)
            for (key, value) in fields { object[key] = .string(value) }
            line = JSONValue.object(object).serializedString()
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Logs at `info`.
    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    /// Logs at `warning`.
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, event, fields) }
    /// Logs at `error`.
    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }
    /// Logs at `debug`.
    public func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, event, fields) }

    private static func quoteIfNeeded(_ value: String) -> String {
        if !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return value
        }
        return JSONValue.string(value).serializedString()
    }
}
