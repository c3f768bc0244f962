using System.Diagnostics;

namespace Rampart.DataPath.Linux;

/// <summary>
/// The receive-handle-verdict loop over one queue (<see cref="NfQueueSocket"/>, or an in-memory one in tests), on its own thread:
/// receive a batch, let the handler set verdicts (transforming in place), send all verdicts at once.
/// Disposing stops the loop and closes the socket, which drops whatever is still queued (fail closed).
/// </summary>
public sealed class PacketQueue : IDisposable
{
    private readonly IPacketQueueSocket _socket;
    private readonly IPacketHandler _handler;
    private readonly PacketBatch _batch;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _batches;
    private long _handlerFailures;
    private long _receiveTicks;
    private long _handleTicks;
    private long _verdictTicks;
    private long _allocatedBytes;

    /// <summary>Takes ownership of <paramref name="socket"/>.</summary>
    public PacketQueue(IPacketQueueSocket socket, IPacketHandler handler, int batchCapacity = 64)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(handler);
        _socket = socket;
        _handler = handler;
        _batch = new PacketBatch(batchCapacity);
        _thread = new Thread(Run) { IsBackground = true, Name = "nfqueue " + socket.QueueNumber };
    }

    public IPacketQueueSocket Socket => _socket;

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches whose handler threw: all their packets were dropped.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>
    /// Stopwatch ticks spent in recvmmsg (including waiting for packets), in the handler and in sendmsg:
    /// where the time per packet goes, read by benchmarks and the monitor.
    /// </summary>
    public (long Receive, long Handle, long Verdict) Ticks =>
        (Interlocked.Read(ref _receiveTicks), Interlocked.Read(ref _handleTicks), Interlocked.Read(ref _verdictTicks));

    /// <summary>Bytes the loop thread has allocated so far (constant once warm: nothing per packet).</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Set when the loop ended because of an unexpected error.</summary>
    public Exception? Failure { get; private set; }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _socket.Dispose();
        _batch.Dispose();
    }

    private void Run()
    {
        try
        {
            long start = Stopwatch.GetTimestamp();
            while (!_stopping)
            {
                int count = _socket.Receive(_batch);
                long received = Stopwatch.GetTimestamp();
                Interlocked.Add(ref _receiveTicks, received - start);
                start = received;
                if (count == 0)
                {
                    continue;
                }

                try
                {
                    _handler.Handle(_batch);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _handlerFailures);
                    for (int i = 0; i < _batch.Count; i++)
                    {
                        _batch[i].Drop();
                    }
                }

                long handled = Stopwatch.GetTimestamp();
                _socket.SendVerdicts(_batch);
                start = Stopwatch.GetTimestamp();
                Interlocked.Add(ref _handleTicks, handled - received);
                Interlocked.Add(ref _verdictTicks, start - handled);
                Interlocked.Increment(ref _batches);
                Interlocked.Exchange(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }
        }
        catch (Exception e) when (!_stopping)
        {
            Failure = e;
        }
    }
}
