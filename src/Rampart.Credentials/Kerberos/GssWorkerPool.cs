using System.Collections.Concurrent;
using System.Globalization;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// A few dedicated threads (neither the thread pool's nor the caller's) for GSS-API calls that may block on the KDC:
/// <see cref="RunAsync{T}"/> gives each call a timeout and answers a <see cref="GssFailureReason.Timeout"/> failure
/// when it passes, while the blocked call goes on in the background and occupies its worker until it returns (it
/// cannot be cancelled). The other workers keep serving other requests; a request still queued when its time is up is
/// never started. The worker count and queue are bounded: a full queue answers <see cref="GssFailureReason.Overloaded"/>.
/// </summary>
public sealed class GssWorkerPool : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue;
    private readonly Thread[] _threads;
    private readonly TimeProvider _time;
    private int _busy;

    public GssWorkerPool(int workers, int queueLimit, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLimit, 1);
        _time = time ?? TimeProvider.System;
        _queue = new BlockingCollection<WorkItem>(queueLimit);
        _threads = new Thread[workers];
        for (var i = 0; i < workers; i++)
        {
            _threads[i] = new Thread(Serve)
            {
                IsBackground = true,
                Name = "gss worker " + i.ToString(CultureInfo.InvariantCulture),
            };
            _threads[i].Start();
        }
    }

    /// <summary>Workers running a call now (including calls whose caller already got a timeout).</summary>
    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Runs <paramref name="work"/> on a worker; its exceptions are rethrown to the caller, a timeout is a failure.</summary>
    public async Task<GssResult<T>> RunAsync<T>(Func<T> work, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem<T>(work);
        if (!_queue.TryAdd(item))
        {
            return GssResult.Failed<T>(GssFailureReason.Overloaded,
                $"all {_threads.Length} Kerberos workers are busy and {_queue.BoundedCapacity} requests are queued");
        }

        try
        {
            return GssResult.Success<T>(await item.Completion.WaitAsync(timeout, _time).ConfigureAwait(false));
        }
        catch (TimeoutException)
        {
            var started = item.Abandon();
            return GssResult.Failed<T>(GssFailureReason.Timeout, started
                ? $"no answer within {timeout.TotalSeconds:0.###} s (is the KDC reachable?); the call goes on in the background"
                : $"not started within {timeout.TotalSeconds:0.###} s: every Kerberos worker is blocked");
        }
    }

    public void Dispose()
    {
        // Workers blocked in native code cannot be stopped; they are background threads and end with the process.
        _queue.CompleteAdding();
    }

    private void Serve()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            if (!item.TryStart())
            {
                continue;
            }

            Interlocked.Increment(ref _busy);
            try
            {
                item.Execute();
            }
            finally
            {
                Interlocked.Decrement(ref _busy);
            }
        }
    }

    private abstract class WorkItem
    {
        private const int Queued = 0;
        private const int Started = 1;
        private const int Abandoned = 2;
        private int _state;

        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

        /// <summary>Marks a queued item as never to run; true if it had already started.</summary>
        public bool Abandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Started;

        public abstract void Execute();
    }

    private sealed class WorkItem<T>(Func<T> work) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Completion => _completion.Task;

        public override void Execute()
        {
            try
            {
                _completion.SetResult(work());
            }
            catch (Exception e)
            {
                _completion.SetException(e);
            }
        }
    }
}
