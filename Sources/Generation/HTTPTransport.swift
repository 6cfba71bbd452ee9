import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One URLSession for one provider: sends a request and waits for its whole answer, or for its
/// deadline, without holding a thread.
///
/// The session allows `connections` connections to the server at once (libcurl's limit per host
/// on Linux), so a provider with a concurrency of 32 really has 32 requests in flight. Each
/// request has a deadline of its own: when it passes, the transfer is cancelled and the call
/// answers ``Outcome/timedOut`` (URLSession's own timeout on Linux is an idle timeout, reset by
/// every byte, so it cannot bound a slow answer).
final class HTTPTransport: Sendable {
    /// What became of one request.
    enum Outcome: Sendable {
        /// The server answered (any status).
        case response(status: Int, headers: [String: String], body: [UInt8])
        /// No whole answer before the deadline.
        case timedOut
        /// The connection failed (refused, reset, a name that does not resolve, TLS).
        case failed(URLError.Code, String)
        /// The calling task was cancelled.
        case cancelled
    }

    private let session: URLSession

    /// A transport allowing `connections` connections per host at once.
    init(connections: Int, timeout: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(connections, 1)
        configuration.timeoutIntervalForRequest = timeout + 1  // ours fires first
        configuration.timeoutIntervalForResource = timeout + 1
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// Sends `request` and waits at most `timeout` seconds for the whole answer.
    func send(_ request: URLRequest, timeout: Double) async -> Outcome {
        let once = Once()
        let holder = TaskHolder()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                guard once.set(continuation) else { return }  // cancelled before it started
                let task = session.dataTask(with: request) { data, response, error in
                    once.resume(with: Self.outcome(data: data, response: response, error: error))
                }
                holder.set(task)
                let deadline = DispatchWorkItem {
                    if once.resume(with: .timedOut) { holder.cancel() }
                }
                once.setDeadline(deadline)  // cancelled by whichever outcome comes first
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
                task.resume()
            }
        } onCancel: {
            if once.resume(with: .cancelled) { holder.cancel() }
        }
    }

    private static func outcome(data: Data?, response: URLResponse?, error: (any Error)?) -> Outcome {
        if let error {
            let code = (error as? URLError)?.code ?? .unknown
            switch code {
            case .cancelled: return .cancelled
            case .timedOut: return .timedOut
            default: return .failed(code, (error as NSError).localizedDescription)
            }
        }
        guard let http = response as? HTTPURLResponse else {
            return .failed(.badServerResponse, "the answer is not HTTP")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return .response(status: http.statusCode, headers: headers, body: data.map { [UInt8]($0) } ?? [])
    }

    /// Resumes a continuation once: with the first of the answer, the deadline and cancellation.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Outcome, Never>?
        private var pending: Outcome?
        private var done = false
        private var deadline: DispatchWorkItem?

        /// The timer to cancel once an outcome is in (at once if it already is).
        func setDeadline(_ item: DispatchWorkItem) {
            lock.lock()
            let finished = done
            if !finished { deadline = item }
            lock.unlock()
            if finished { item.cancel() }
        }

        /// Keeps `continuation`, or resumes it at once with an earlier outcome (`false` then).
        func set(_ continuation: CheckedContinuation<Outcome, Never>) -> Bool {
            lock.lock()
            if let pending {
                lock.unlock()
                continuation.resume(returning: pending)
                return false
            }
            self.continuation = continuation
            lock.unlock()
            return true
        }

        /// Resumes with `outcome` unless something already did; whether this call did.
        @discardableResult
        func resume(with outcome: Outcome) -> Bool {
            lock.lock()
            guard !done else {
                lock.unlock()
                return false
            }
            done = true
            deadline?.cancel()
            deadline = nil
            guard let continuation else {
                pending = outcome
                lock.unlock()
                return true
            }
            self.continuation = nil
            lock.unlock()
            continuation.resume(returning: outcome)
            return true
        }
    }

    /// The data task, for a cancellation that may come before it exists.
    private final class TaskHolder: @unchecked Sendable {
        private let lock = NSLock()
        private var task: URLSessionDataTask?
        private var cancelled = false

        func set(_ task: URLSessionDataTask) {
            lock.lock()
            self.task = task
            let cancelled = cancelled
            lock.unlock()
            if cancelled { task.cancel() }
        }

        func cancel() {
            lock.lock()
            cancelled = true
            let task = task
            lock.unlock()
            task?.cancel()
        }
    }
}
