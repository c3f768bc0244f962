using Rampart.DataPath.Linux;

namespace Rampart.DataPath.Tests.Doubles;

/// <summary>
/// A netfilter queue in memory (as wireguard-go's tun/tuntest), for a real <see cref="PacketQueue"/> thread to read:
/// <see cref="Enqueue"/> queues a packet as the kernel would; the verdict it gets, with its batch or later as a held
/// packet's (<see cref="Rampart.DataPath.PolicyEngine.IPacketExit"/>), is recorded once. Thread-safe.
/// </summary>
public sealed class InMemoryPacketQueue(ushort queueNumber) : IPacketQueueSocket
{
    /// <summary>How long <see cref="Receive"/> waits for a packet, as the real socket's receive timeout.</summary>
    private const int ReceiveWaitMilliseconds = 200;

    private readonly Lock _gate = new();
    private readonly Queue<(uint Id, byte[] Packet)> _waiting = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Dictionary<uint, TaskCompletionSource> _held = [];
    private readonly Dictionary<uint, TaskCompletionSource<IssuedVerdict>> _verdicts = [];
    private uint _nextId;

    public ushort QueueNumber => queueNumber;

    /// <summary>Queues <paramref name="packet"/> for the reader; returns its packet id.</summary>
    public uint Enqueue(byte[] packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        uint id;
        lock (_gate)
        {
            id = ++_nextId;
            _held[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _verdicts[id] = new TaskCompletionSource<IssuedVerdict>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((id, [.. packet]));
        }

        _arrived.Release();
        return id;
    }

    /// <summary>Completes when the packet's batch went out without its verdict: the engine holds it.</summary>
    public Task HeldAsync(uint packetId)
    {
        lock (_gate)
        {
            return _held[packetId].Task;
        }
    }

    /// <summary>Completes with the packet's verdict.</summary>
    public Task<IssuedVerdict> VerdictAsync(uint packetId)
    {
        lock (_gate)
        {
            return _verdicts[packetId].Task;
        }
    }

    public int Receive(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        if (!_arrived.Wait(ReceiveWaitMilliseconds))
        {
            return 0;
        }

        lock (_gate)
        {
            while (_waiting.TryPeek(out var next)
                && batch.TryLoad(next.Packet, new PacketMetadata { QueueNumber = queueNumber, PacketId = next.Id, HardwareProtocol = (ushort)(next.Packet[0] >> 4 == 6 ? 0x86DD : 0x0800) }))
            {
                _waiting.Dequeue();
            }
        }

        return batch.Count;
    }

    public void SendVerdicts(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            ref var packet = ref batch[i];
            var id = packet.Metadata.PacketId;
            if (packet.Deferred)
            {
                lock (_gate)
                {
                    _held[id].TrySetResult();
                }
            }
            else
            {
                Settle(id, packet.Verdict == Rampart.DataPath.Linux.QueueVerdict.Drop ? IssuedVerdict.Dropped : new IssuedVerdict(true, packet.Data.ToArray(), packet.SetsMark ? packet.NewMark : null));
            }
        }
    }

    public void Release(uint packetId, ReadOnlySpan<byte> packet) => Settle(packetId, new IssuedVerdict(true, packet.ToArray(), null));

    public void Drop(uint packetId) => Settle(packetId, IssuedVerdict.Dropped);

    public void Dispose() => _arrived.Dispose();

    private void Settle(uint packetId, IssuedVerdict verdict)
    {
        lock (_gate)
        {
            // A second verdict, or one for a packet never queued, is a bug the kernel would answer with an error.
            if (!_verdicts.TryGetValue(packetId, out var owed) || !owed.TrySetResult(verdict))
            {
                throw new InvalidOperationException($"no verdict owed for packet {packetId}");
            }
        }
    }
}

/// <summary>A queued packet's verdict: accepted as <c>Packet</c> (with the mark set, if any), or dropped.</summary>
public sealed record IssuedVerdict(bool Accepted, byte[]? Packet, uint? Mark)
{
    public static IssuedVerdict Dropped { get; } = new(false, null, null);
}
