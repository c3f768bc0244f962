using System.Collections.Concurrent;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>A bounded in-memory <see cref="IAcquireSink"/> read by whoever drives the engine by hand (tests, benchmarks).</summary>
public sealed class AcquireQueue(int capacity) : IAcquireSink
{
    private readonly ConcurrentQueue<Acquire> _queue = new();
    private int _count;

    public bool TryRaise(Acquire acquire)
    {
        ArgumentNullException.ThrowIfNull(acquire);
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _queue.Enqueue(acquire);
        return true;
    }

    public bool TryRead(out Acquire acquire)
    {
        if (_queue.TryDequeue(out acquire!))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    public void Clear()
    {
        while (TryRead(out _))
        {
        }
    }
}
