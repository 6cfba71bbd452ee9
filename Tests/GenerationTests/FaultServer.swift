import DeskKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers from a script: the
/// tests' fault-injecting endpoint.
///
/// Each connection is served on a thread of its own, so slow answers overlap like a real
/// server's; every answer closes its connection. The script gets each request's 0-based arrival
/// index and the request, and says what to answer: a status, headers and body, after a delay, or
/// a dropped connection. What was received is kept in ``requests``, and ``maxInFlight`` is the
/// most requests it held at once.
final class FaultServer: @unchecked Sendable {
    /// One request as received.
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names in lower case.
        var headers: [String: String]
        var body: [UInt8]
        /// The body as JSON, if it is.
        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    /// What to answer.
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// Seconds to wait before answering.
        var delay: Double = 0
        /// Close the connection without a word.
        var drop = false

        /// A JSON answer.
        static func json(
            _ status: Int, _ value: JSONValue, headers: [(String, String)] = [], delay: Double = 0
        ) -> Response {
            Response(
                status: status, headers: [("Content-Type", "application/json")] + headers, body: value.serialized(),
                delay: delay)
        }

        /// A plain-text answer (also for bodies that are meant not to be JSON).
        static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "text/plain")] + headers, body: Array(text.utf8))
        }

        /// A chat completion answering `text`, as llama-server and OpenAI shape it.
        static func chat(
            _ text: String = "Tea is a leaf.", model: String = "served-model", promptTokens: Int = 12,
            completionTokens: Int = 5, delay: Double = 0
        ) -> Response {
            .json(
                200,
                [
                    "id": "chatcmpl-1", "object": "chat.completion", "model": .string(model),
                    "choices": [
                        [
                            "index": 0, "finish_reason": "stop",
                            "message": ["role": "assistant", "content": .string(text)],
                        ]
                    ],
                    "usage": [
                        "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
                        "total_tokens": .int(promptTokens + completionTokens),
                    ],
                ], delay: delay)
        }

        /// The connection is closed without an answer.
        static let dropped = Response(status: 0, drop: true)
    }

    typealias Script = @Sendable (_ index: Int, _ request: Request) -> Response

    /// The port it listens on.
    let port: UInt16
    /// `http://127.0.0.1:PORT/v1`.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private let script: Script
    private let listener: Int32
    private let lock = NSLock()
    private var received: [Request] = []
    private var inFlight = 0
    private var most = 0
    private var stopped = false
    private var gate: (count: Int, waiting: Int, open: Bool)?
    private let gateCondition = NSCondition()

    /// A server answering by `script`; it listens until ``stop()`` (call it: the accept thread
    /// holds the server).
    init(script: @escaping Script) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Errno(errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 256) == 0 else {
            let error = Errno(errno)
            close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// A port with nothing listening on it (bound, then closed): connections are refused.
    static func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Every request received so far, in arrival order.
    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// The most requests held at once (received, not yet answered).
    var maxInFlight: Int {
        lock.lock()
        defer { lock.unlock() }
        return most
    }

    /// Holds every answer until `count` requests are held at once (or 10 s passed):
    /// proves that a client really has that many in flight.
    func holdUntil(_ count: Int) {
        gateCondition.lock()
        gate = (count, 0, false)
        gateCondition.unlock()
    }

    /// Stops listening (within 50 ms); connections being served finish on their own.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        defer { close(listener) }  // here, so no poll or accept can meet a reused descriptor
        while !isStopped {
            var fds = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = read(fd) else { return }
        lock.lock()
        let index = received.count
        received.append(request)
        inFlight += 1
        most = max(most, inFlight)
        lock.unlock()
        waitAtGate()
        let response = script(index, request)
        var waited = 0.0
        while waited < response.delay && !isStopped {
            let step = min(0.02, response.delay - waited)
            Thread.sleep(forTimeInterval: step)
            waited += step
        }
        // No longer held once the answer is decided: counted down before the client can see it,
        // so a client's next call never overlaps this one in the count.
        lock.lock()
        inFlight -= 1
        lock.unlock()
        guard !response.drop else { return }
        var head = "HTTP/1.1 \(response.status) \(HTTPURLResponse.localizedString(forStatusCode: response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        write(fd, Array(head.utf8) + response.body)
        shutdown(fd, Int32(SHUT_WR))
    }

    private func waitAtGate() {
        gateCondition.lock()
        defer { gateCondition.unlock() }
        guard gate != nil else { return }
        gate!.waiting += 1
        if gate!.waiting >= gate!.count { gate!.open = true }
        gateCondition.broadcast()
        let deadline = Date().addingTimeInterval(10)
        while let g = gate, !g.open, Date() < deadline {
            _ = gateCondition.wait(until: deadline)
        }
    }

    /// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
    private func read(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd: Int?
        while headEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let first = lines.removeFirst().split(separator: " ").map(String.init)
        guard first.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { write(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headEnd! + 4)...])
        while body.count < length {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            body += chunk[0..<n]
        }
        return Request(method: first[0], path: first[1], headers: headers, body: Array(body.prefix(length)))
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
