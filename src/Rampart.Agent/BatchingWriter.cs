namespace Rampart.Agent;

/// <summary>
/// Takes items from any thread without waiting for the disk and hands them, in batches, to a commit action on its own
/// thread: everything queued while the previous batch was committing goes in the next one. <see cref="Flush"/> commits
/// what is queued now; <see cref="Dispose"/> stops the thread and commits the rest, so only a crash loses items.
/// Commits run under the owner's <c>commitGate</c>, which the owner also holds for its other work on the same storage.
/// At most <c>capacity</c> items wait: past it (the disk cannot keep up with a flood) new items are dropped and counted
/// in <see cref="Dropped"/>, so adders never block and memory never grows without bound.
/// </summary>
internal sealed class BatchingWriter<T> : IDisposable
{
    private readonly Lock _commitGate;
    private readonly Action<List<T>> _commit;
    private readonly Lock _queueGate = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Thread _thread;
    private readonly int _capacity;
    private long _dropped;
    private List<T> _queue = [];
    private List<T> _spare = [];
    private volatile bool _disposed;

    public BatchingWriter(string threadName, Lock commitGate, Action<List<T>> commit, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _commitGate = commitGate;
        _commit = commit;
        _thread = new Thread(CommitQueued) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    public bool IsDisposed => _disposed;

    /// <summary>Items dropped because <c>capacity</c> were waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an item; false once disposed or when the queue is full (the item is dropped and counted).</summary>
    public bool TryAdd(T item)
    {
        if (_disposed)
        {
            return false;
        }

        lock (_queueGate)
        {
            if (_queue.Count >= _capacity)
            {
                Interlocked.Increment(ref _dropped);
                return false;
            }

            _queue.Add(item);
        }

        _queued.Release();
        return true;
    }

    /// <summary>Commits every queued item now (the writer thread does this on its own as items arrive).</summary>
    public void Flush()
    {
        lock (_commitGate)
        {
            List<T> batch;
            lock (_queueGate)
            {
                if (_queue.Count == 0)
                {
                    return;
                }

                // Swap lists, so adders never wait for a commit.
                batch = _queue;
                _queue = _spare;
                _spare = batch;
            }

            _commit(batch);
            batch.Clear();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _queued.Release();
        _thread.Join();
        Flush();
        _queued.Dispose();
    }

    private void CommitQueued()
    {
        while (true)
        {
            _queued.Wait();
            if (_disposed)
            {
                return;
            }

            Flush();
        }
    }
}
