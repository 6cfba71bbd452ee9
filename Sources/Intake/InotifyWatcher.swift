#if canImport(Glibc)
import Glibc
#endif
import DeskKit
import Synchronization

/// Watches folders with inotify and reports what matters to the inbox.
///
/// One descriptor from `inotify_init1(2)` (`IN_NONBLOCK | IN_CLOEXEC`) carries the watches of the
/// inbox and every org sub-folder. ``run(_:)`` blocks the calling thread in `poll(2)` (never a
/// cooperative-pool thread) and hands each event to a handler until ``stop()``. Events are hints:
/// the caller scans the folder after arming a watch, and rescans on ``Event/overflow``.
public final class InotifyWatcher: Sendable {
    /// What happened in a watched folder.
    public enum Event: Sendable, Equatable {
        /// A file was closed after writing (`IN_CLOSE_WRITE`) or renamed in (`IN_MOVED_TO`).
        case fileReady(folder: String, name: String)
        /// A non-folder entry was created (`IN_CREATE`): complete at once if it is a link.
        case entryCreated(folder: String, name: String)
        /// A sub-folder was created or moved in.
        case folderCreated(path: String)
        /// The kernel's event queue overflowed (`IN_Q_OVERFLOW`): events were lost.
        case overflow
        /// A watch ended (`IN_IGNORED`): its folder was deleted, moved or unmounted.
        case watchEnded(path: String)
    }

    private static let inCloseWrite: UInt32 = 0x0000_0008
    private static let inMovedTo: UInt32 = 0x0000_0080
    private static let inCreate: UInt32 = 0x0000_0100
    private static let inDeleteSelf: UInt32 = 0x0000_0400
    private static let inMoveSelf: UInt32 = 0x0000_0800
    private static let inQueueOverflow: UInt32 = 0x0000_4000
    private static let inIgnored: UInt32 = 0x0000_8000
    private static let inOnlyDir: UInt32 = 0x0100_0000
    private static let inExclUnlink: UInt32 = 0x0400_0000
    private static let inIsDir: UInt32 = 0x4000_0000

    private let descriptor: Int32
    private let wakeDescriptor: Int32
    private let wakeWriteDescriptor: Int32
    private let folders = Mutex<[Int32: String]>([:])
    private let stopped = Atomic<Bool>(false)

    /// Opens an inotify instance (`inotify_init1(2)`) and a self-pipe (`pipe(2)`, made
    /// close-on-exec and non-blocking with `fcntl(2)`) to wake ``run(_:)``.
    public init() throws(Errno) {
        descriptor = try valueOrErrno("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            let error = Errno(errno, "pipe")
            Glibc.close(descriptor)
            throw error
        }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        wakeDescriptor = ends[0]
        wakeWriteDescriptor = ends[1]
    }

    deinit {
        Glibc.close(descriptor)
        Glibc.close(wakeDescriptor)
        Glibc.close(wakeWriteDescriptor)
    }

    /// Starts watching `folder` (`inotify_add_watch(2)`); watching it again is harmless.
    ///
    /// The watch is armed when this returns, so a scan made afterwards misses nothing.
    public func watch(_ folder: String) throws(Errno) {
        let mask =
            Self.inCloseWrite | Self.inMovedTo | Self.inCreate | Self.inDeleteSelf | Self.inMoveSelf
            | Self.inOnlyDir | Self.inExclUnlink
        let wd = try valueOrErrno("inotify_add_watch(\"\(folder)\")") {
            inotify_add_watch(descriptor, folder, mask)
        }
        folders.withLock { $0[wd] = folder }
    }

    /// The folders being watched.
    public var watchedFolders: Set<String> {
        folders.withLock { Set($0.values) }
    }

    /// Reads events until ``stop()``, calling `handler` for each on this thread.
    ///
    /// Blocks in `poll(2)`; meant for a dedicated thread.
    public func run(_ handler: (Event) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var fds = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        while !stopped.load(ordering: .acquiring) {
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents == 0 { continue }
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    break  // EAGAIN: drained
                }
                if count == 0 { break }
                buffer.withUnsafeBytes { parse($0, count: count, handler) }
            }
        }
    }

    /// Makes ``run(_:)`` return (writes a byte to the self-pipe).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        var one: UInt8 = 1
        _ = Glibc.write(wakeWriteDescriptor, &one, 1)
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, count: Int, _ handler: (Event) -> Void) {
        var offset = 0
        let header = 16
        while offset + header <= count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            var name = ""
            if length > 0 {
                let start = bytes.baseAddress! + offset + header
                let nameBytes = UnsafeRawBufferPointer(start: start, count: length)
                let end = nameBytes.firstIndex(of: 0) ?? length
                name = String(decoding: nameBytes[0..<end], as: UTF8.self)
            }
            offset += header + length
            if mask & Self.inQueueOverflow != 0 {
                handler(.overflow)
                continue
            }
            guard let folder = folders.withLock({ $0[wd] }) else { continue }
            if mask & Self.inIgnored != 0 {
                folders.withLock { _ = $0.removeValue(forKey: wd) }
                handler(.watchEnded(path: folder))
                continue
            }
            if mask & (Self.inDeleteSelf | Self.inMoveSelf) != 0 { continue }  // IN_IGNORED follows
            if mask & Self.inIsDir != 0 {
                if mask & (Self.inCreate | Self.inMovedTo) != 0 {
                    handler(.folderCreated(path: Path.join(folder, name)))
                }
                continue
            }
            if mask & (Self.inCloseWrite | Self.inMovedTo) != 0 {
                handler(.fileReady(folder: folder, name: name))
            } else if mask & Self.inCreate != 0 {
                handler(.entryCreated(folder: folder, name: name))
            }
        }
    }
}
