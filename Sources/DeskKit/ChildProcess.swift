#if canImport(Glibc)
import Glibc
#endif

/// A program started with `posix_spawn(3)`, its stdin, stdout and stderr as pipes.
///
/// The child gets only its three pipes (descriptors 3 and up are closed,
/// `posix_spawn_file_actions_addclosefrom_np`). Unlike Foundation's `Process`, the child starts with an empty signal mask and every signal at
/// its default disposition (`POSIX_SPAWN_SETSIGMASK`, `POSIX_SPAWN_SETSIGDEF`): the daemon blocks
/// SIGTERM, SIGINT and SIGHUP for its own handling, and a child inheriting that could not be
/// stopped with SIGTERM. The pipes are created `O_CLOEXEC`, so no other child inherits them.
public struct ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The write end of the child's stdin.
    public let stdin: FileDescriptor
    /// The read end of the child's stdout.
    public let stdout: FileDescriptor
    /// The read end of the child's stderr.
    public let stderr: FileDescriptor

    /// Starts `path` with `arguments` (`arguments[0]` is the program's name) and `environment`
    /// (`KEY=value`). Calls `pipe2(2)` three times and `posix_spawn(3)`.
    public static func spawn(path: String, arguments: [String], environment: [String]) throws(Errno) -> ChildProcess {
        func pipePair() throws(Errno) -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard systemPipe2(&fds, O_CLOEXEC) == 0 else { throw Errno(errno, "pipe2") }
            return (fds[0], fds[1])
        }
        let input = try pipePair()
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do {
            output = try pipePair()
        } catch {
            Glibc.close(input.read)
            Glibc.close(input.write)
            throw error
        }
        do {
            errors = try pipePair()
        } catch {
            for fd in [input.read, input.write, output.read, output.write] { Glibc.close(fd) }
            throw error
        }
        let result = start(path: path, arguments: arguments, environment: environment) { actions in
            posix_spawn_file_actions_adddup2(&actions, input.read, 0)
            posix_spawn_file_actions_adddup2(&actions, output.write, 1)
            posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        }
        // The child's ends are the child's now.
        Glibc.close(input.read)
        Glibc.close(output.write)
        Glibc.close(errors.write)
        guard case .success(let pid) = result else {
            Glibc.close(input.write)
            Glibc.close(output.read)
            Glibc.close(errors.read)
            if case .failure(let error) = result { throw error }
            fatalError("unreachable")
        }
        return ChildProcess(
            pid: pid, stdin: FileDescriptor(rawValue: input.write), stdout: FileDescriptor(rawValue: output.read),
            stderr: FileDescriptor(rawValue: errors.read))
    }

    /// Starts `path` with stdin, stdout and stderr on `/dev/null` (a server nobody reads from)
    /// and returns its pid; the caller reaps it. Same signal and descriptor hygiene as
    /// ``spawn(path:arguments:environment:)``.
    public static func spawnDetached(path: String, arguments: [String], environment: [String]) throws(Errno) -> pid_t {
        try start(path: path, arguments: arguments, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }.get()
    }

    /// `posix_spawn(3)` with an empty signal mask, default dispositions, descriptors 3 and up
    /// closed, and the standard descriptors as `standardFiles` arranges them.
    private static func start(
        path: String, arguments: [String], environment: [String],
        standardFiles: (inout posix_spawn_file_actions_t) -> Void
    ) -> Result<pid_t, Errno> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        standardFiles(&actions)
        // Nothing else the daemon holds open reaches the program: a descriptor inherited without
        // O_CLOEXEC (a parent's pipe, say) held by a long-running child would outlive us.
        _ = systemAddCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        return result == 0 ? .success(pid) : .failure(Errno(result, "posix_spawn \(path)"))
    }

    /// Waits for the child to end (`waitpid(2)`, retried on `EINTR`) and returns its exit status,
    /// or `128 + signal` when a signal ended it. Blocks: call it off the cooperative pool.
    public func wait() -> (status: Int32, signalled: Bool) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return (-1, false) }
        }
        let signal = status & 0x7f
        if signal != 0 { return (128 + signal, true) }
        return ((status >> 8) & 0xff, false)
    }
}

/// glibc's `pipe2(2)`, which the Glibc module does not export.
@_silgen_name("pipe2")
private func systemPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Glibc module does not
/// export.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func systemAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
