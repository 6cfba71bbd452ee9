/// Reads small JSON files copydesk owns or is given: settings, templates, requests to check.
public enum JSONFile {
    /// Why a JSON file could not be read; the caller turns it into its own error code.
    public enum ReadError: Error, Sendable {
        /// The file could not be opened or read.
        case io(Errno)
        /// The file is larger than the limit (nothing was parsed).
        case tooLarge(limit: Int)
        /// The bytes are not valid JSON.
        case invalid(JSONParseError)
    }

    /// Reads and parses the regular file at `path` (links are not followed), refusing files over
    /// `limit` bytes without reading them, and nesting deeper than `maxDepth`. O(n) in the file size.
    public static func read(_ path: String, limit: Int, maxDepth: Int = JSONValue.defaultMaxDepth) throws(ReadError)
        -> JSONValue
    {
        let read: [UInt8]?
        do throws(Errno) {
            read = try FileSystem.readFile(path, limit: limit)
        } catch {
            throw .io(error)
        }
        guard let bytes = read else { throw .tooLarge(limit: limit) }
        do throws(JSONParseError) {
            return try JSONValue.parse(bytes, maxDepth: maxDepth)
        } catch {
            throw .invalid(error)
        }
    }
}

extension JSONFile.ReadError {
    /// The error a user reads, for a file described as `what` (`"template 'welcome'"`).
    ///
    /// A read failure becomes `IO_ERROR`; a file over the limit, `tooLarge`; bad JSON, `invalid`
    /// with the line and column of the problem.
    public func deskError(_ what: String, tooLarge: DeskError.Code, invalid: DeskError.Code) -> DeskError {
        switch self {
        case .io(let errno):
            return DeskError.io("cannot read \(what)", errno)
        case .tooLarge(let limit):
            return DeskError(tooLarge, "\(what) is larger than \(limit) bytes; is it the right file?")
        case .invalid(let error):
            return DeskError(invalid, "\(what) is not valid JSON: \(error.message)", line: error.line, column: error.column)
        }
    }
}
