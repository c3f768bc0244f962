using System.Buffers.Binary;
using System.Collections.Concurrent;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Bindings;

/// <summary>
/// The input of the agent's one event loop (<see cref="IkeService"/>): acquires from the data path, IKE datagrams from
/// the transport, timer ticks, policy changes, restarts, status requests and control work, in the order they come.
/// Bounded where others can flood it: datagrams of exchanges in progress (4096) and acquires (the data path's
/// acquire capacity) share the main queue; datagrams that start an exchange (responder cookie zero: anyone can send
/// them from any address) wait in a small queue of their own (256) that the loop serves only when nothing else
/// waits, so a flood of them neither delays the messages of exchanges in progress nor pushes their half-open state out.
/// </summary>
public sealed class AgentInbox : IAcquireSink, IPolicyEnforcer, IDisposable
{
    internal const int MaxQueuedDatagrams = 4096;

    /// <summary>New-exchange datagrams waiting at most: a quarter of the engine's half-open bound, so a burst of them
    /// cannot evict a half-open state whose next message arrived meanwhile.</summary>
    internal const int MaxQueuedNewExchanges = 256;

    private readonly BlockingCollection<AgentWork> _work = new(new ConcurrentQueue<AgentWork>());
    private readonly BlockingCollection<AgentWork> _newExchanges = new(new ConcurrentQueue<AgentWork>());
    private readonly BlockingCollection<AgentWork>[] _queues;
    private readonly int _maxQueuedAcquires;
    private int _queuedDatagrams;
    private int _queuedNewExchanges;
    private int _queuedAcquires;
    private long _droppedDatagrams;

    public AgentInbox(DataPathEngineOptions? dataPath = null)
    {
        _queues = [_work, _newExchanges];
        _maxQueuedAcquires = (dataPath ?? new DataPathEngineOptions()).AcquireQueueCapacity;
    }

    /// <summary>IKE datagrams dropped because the loop had <see cref="MaxQueuedDatagrams"/> (or <see cref="MaxQueuedNewExchanges"/> new exchanges) waiting: a flood.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _droppedDatagrams);

    /// <summary>From the data path's workers: false when the loop is that far behind (the data path forgets the binding).</summary>
    public bool TryRaise(Acquire acquire)
    {
        ArgumentNullException.ThrowIfNull(acquire);
        if (Interlocked.Increment(ref _queuedAcquires) > _maxQueuedAcquires)
        {
            Interlocked.Decrement(ref _queuedAcquires);
            return false;
        }

        if (!Post(new AcquireWork(acquire), _work))
        {
            Interlocked.Decrement(ref _queuedAcquires);
            return false;
        }

        return true;
    }

    /// <summary>Puts the policy in force (data path, IKE, netfilter chains) as one event on the loop; completes once it is.</summary>
    public Task ApplyAsync(AppliedPolicy applied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new PolicyWork(applied, done)))
        {
            return Task.FromCanceled(new CancellationToken(canceled: true));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> on the loop and returns its result (control handlers that change bindings).</summary>
    public Task<T> InvokeAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var posted = Post(new InvokeWork(() =>
        {
            try
            {
                result.TrySetResult(work());
            }
            catch (Exception e)
            {
                result.TrySetException(e);
            }
        }));
        return posted ? result.Task.WaitAsync(cancellationToken) : Task.FromCanceled<T>(new CancellationToken(canceled: true));
    }

    /// <summary>From a transport receive thread: queued unless its queue is full (then counted and dropped).</summary>
    public void PostDatagram(IkeDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);

        // Bytes 8-15 of the ISAKMP header: the responder cookie, zero in a request that starts an exchange.
        var message = datagram.Message.Span;
        var newExchange = message.Length < 16 || BinaryPrimitives.ReadUInt64BigEndian(message[8..]) == 0;
        ref var queued = ref newExchange ? ref _queuedNewExchanges : ref _queuedDatagrams;
        if (Interlocked.Increment(ref queued) > (newExchange ? MaxQueuedNewExchanges : MaxQueuedDatagrams))
        {
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref _droppedDatagrams);
            return;
        }

        if (!Post(new DatagramWork(datagram, newExchange), newExchange ? _newExchanges : _work))
        {
            Interlocked.Decrement(ref queued);
        }
    }

    /// <summary>
    /// Completes once the loop has handled everything posted before (new exchanges included): queued behind the new
    /// exchanges, served only when the main queue is empty. Tests on a fake clock wait for it instead of sleeping.
    /// </summary>
    internal Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Post(new InvokeWork(() => done.TrySetResult()), _newExchanges) ? done.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
    }

    public void Dispose()
    {
        _work.Dispose();
        _newExchanges.Dispose();
    }

    internal bool Post(AgentWork work) => Post(work, _work);

    /// <summary>Waits for the next work: from the main queue first, new exchanges only when nothing else waits.</summary>
    internal AgentWork Take(CancellationToken cancellationToken)
    {
        while (true)
        {
            BlockingCollection<AgentWork>.TakeFromAny(_queues, out var work, cancellationToken);
            switch (work)
            {
                case DatagramWork datagram:
                    Interlocked.Decrement(ref datagram.NewExchange ? ref _queuedNewExchanges : ref _queuedDatagrams);
                    return work;
                case AcquireWork:
                    Interlocked.Decrement(ref _queuedAcquires);
                    return work;
                case not null:
                    return work;
            }
        }
    }

    private static bool Post(AgentWork work, BlockingCollection<AgentWork> queue)
    {
        try
        {
            return queue.TryAdd(work);
        }
        catch (ObjectDisposedException)
        {
            // The agent is stopping.
            return false;
        }
    }
}
