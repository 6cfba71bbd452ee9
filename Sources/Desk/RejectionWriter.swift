import DeskKit

/// Moves a file that cannot be admitted at all to `rejected/<org>/`, with `<name>.error.json`
/// beside it saying why.
///
/// The error file is written first (atomically), then the file is renamed in, then the folder is
/// `fsync`ed once: after a crash either the claim is still there (and is rejected again, to the
/// same name) or both files are in place. A name already taken by an earlier rejection gets a
/// `-2`, `-3`, … suffix, so no rejected file is ever overwritten.
public struct RejectionWriter: Sendable {
    private let layout: DeskLayout
    private let clock: any DeskClock

    /// A writer for the desk `layout`.
    public init(layout: DeskLayout, clock: any DeskClock) {
        self.layout = layout
        self.clock = clock
    }

    /// Rejects the claimed file at `path`, dropped as `name` for `org`, because of `error`.
    ///
    /// `details` adds members to the error document (the bad lines of an events file). Returns
    /// the name it was given in `rejected/<org>/`.
    @discardableResult
    public func reject(
        path: String, name: String, org: String, error: DeskError, details: JSONObject = JSONObject()
    ) throws(Errno) -> String {
        let folder = layout.rejected(org: org)
        try FileSystem.ensureDirectory(folder)
        let finalName = freeName(for: name, in: folder)
        var document = JSONObject()
        document["file"] = .string(name)
        document["org"] = .string(org)
        document["code"] = .string(error.code.rawValue)
        document["message"] = .string(error.message)
        if let field = error.field { document["field"] = .string(field) }
        if let line = error.line { document["line"] = .int(line) }
        if let column = error.column { document["column"] = .int(column) }
        if let cause = error.cause { document["cause"] = .string(cause) }
        for (key, value) in details.members { document[key] = value }
        document["rejected_at"] = .string(clock.now().iso8601)
        if finalName != name { document["rejected_as"] = .string(finalName) }
        try AtomicFile.write(
            JSONValue.object(document).serialized(pretty: true), to: Path.join(folder, finalName + ".error.json"),
            syncDirectory: false)
        try FileSystem.rename(path, to: Path.join(folder, finalName))
        try FileSystem.syncDirectory(folder)
        return finalName
    }

    /// Gives the file at `path` a name in `rejected/<org>/` too (`link(2)`; the caller removes
    /// the old name): `name`, or the first free `stem-2.ext`, … Returns the name given. For the
    /// `items_from` file of a rejected request, kept beside it.
    public func keep(path: String, name: String, org: String) throws(Errno) -> String {
        let folder = layout.rejected(org: org)
        try FileSystem.ensureDirectory(folder)
        let finalName = freeName(for: name, in: folder)
        try FileSystem.link(path, to: Path.join(folder, finalName))
        return finalName
    }

    /// `name`, or `stem-2.ext`, `stem-3.ext`, … : the first name whose file is not there yet.
    /// An error file without its file (a crash between the two writes) is reused.
    private func freeName(for name: String, in folder: String) -> String {
        if !FileSystem.exists(Path.join(folder, name)) { return name }
        let stem = Path.stem(name)
        let ext = name.count > stem.count ? String(name.dropFirst(stem.count)) : ""
        var n = 2
        while true {
            let candidate = "\(stem)-\(n)\(ext)"
            if !FileSystem.exists(Path.join(folder, candidate)) { return candidate }
            n += 1
        }
    }
}
