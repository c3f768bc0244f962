namespace Rampart.DataPath.Linux;

/// <summary>
/// The receive-handle-verdict loop over one <see cref="NfQueueSocket"/>, on its own thread:
/// receive a batch, let the handler set verdicts (transforming in place), send all verdicts at once.
/// Disposing stops the loop and closes the socket, which drops whatever is still queued (fail closed).
/// </summary>
public sealed class PacketQueue : IDisposable
{
    private readonly NfQueueSocket _socket;
    private readonly IPacketHandler _handler;
    private readonly PacketBatch _batch;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _batches;
    private long _handlerFailures;

    /// <summary>Takes ownership of <paramref name="socket"/>.</summary>
    public PacketQueue(NfQueueSocket socket, IPacketHandler handler, int batchCapacity = 64)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(handler);
        _socket = socket;
        _handler = handler;
        _batch = new PacketBatch(batchCapacity);
        _thread = new Thread(Run) { IsBackground = true, Name = "nfqueue " + socket.QueueNumber };
    }

    public NfQueueSocket Socket => _socket;

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches whose handler threw: all their packets were dropped.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

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
            while (!_stopping)
            {
                if (_socket.Receive(_batch) == 0)
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

                _socket.SendVerdicts(_batch);
                Interlocked.Increment(ref _batches);
            }
        }
        catch (Exception e) when (!_stopping)
        {
            Failure = e;
        }
    }
}
