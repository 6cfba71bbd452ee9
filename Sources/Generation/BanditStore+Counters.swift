import DeskKit

#if canImport(Glibc)
    import Glibc
#endif

extension BanditStore {
    /// Reads a counters file and the stamp of what was read (`open(2)`, `fstat(2)`, `read(2)`):
    /// `nil` when there is no file; `counters` is `nil` when the file is not the counters of
    /// `templateID`. O(file).
    static func readCounters(
        at path: String, templateID: String
    ) throws(Errno) -> (counters: TemplateCounters?, file: FileStamp)? {
        let fd: FileDescriptor
        do throws(Errno) {
            fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch let error where error.code == Errno.noEntry {
            return nil
        }
        defer { fd.close() }
        let st = try fd.status()
        let file = FileStamp(st)
        guard (st.st_mode & S_IFMT) == S_IFREG, let bytes = try fd.readAll(limit: Int.max),
            let json = try? JSONValue.parse(bytes), var counters = TemplateCounters(json: json),
            counters.templateID == templateID
        else { return (nil, file) }
        counters.stamp = newStamp()
        return (counters, file)
    }

    /// The counters of `templateID` after a look at their file: read again when its stamp is no
    /// longer `previous` (another process rewrote it), else as held. One `lstat(2)`; O(file)
    /// when it changed.
    func refreshedCounters(org: String, templateID: String, previous: FileStamp?) -> TemplateCounters? {
        guard let folder = countersFolder(org), Path.isSafeID(templateID) else {
            return withOrg(org) { $0.counters[templateID]?.counters }
        }
        let path = Path.join(folder, templateID + ".json")
        var fresh: (counters: TemplateCounters?, file: FileStamp)?
        do throws(Errno) {
            guard try FileStamp.of(path) != previous else { return withOrg(org) { $0.counters[templateID]?.counters } }
            fresh = try Self.readCounters(at: path, templateID: templateID)
        } catch {
            // Unreadable for now: keep what is held and look again later.
            return withOrg(org) { $0.counters[templateID]?.counters }
        }
        return withOrg(org) { state in
            // This process may have read or written a newer version meanwhile: keep that one.
            guard var held = state.counters[templateID], held.file == previous else {
                return state.counters[templateID]?.counters
            }
            held.counters = fresh?.counters
            held.file = fresh?.file
            state.counters[templateID] = held
            return held.counters
        }
    }
}
