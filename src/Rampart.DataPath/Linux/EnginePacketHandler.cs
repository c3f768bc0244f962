using Rampart.DataPath.Buffers;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Connects a netfilter queue to the <see cref="DataPathEngine"/>: every queued packet is decided in place in its
/// receive slot (headers grow into the slot's headroom), and decapsulated inbound packets are marked. A packet the
/// engine holds keeps its verdict owed: <paramref name="exit"/> (the queue's socket) issues it when the binding is settled.
/// One instance per queue thread.
/// </summary>
public sealed class EnginePacketHandler(DataPathEngine engine, bool inbound, uint decapsulatedMark, IPacketExit? exit = null) : IPacketHandler
{
    private readonly PacketBuffer _buffer = new(capacity: 0);

    public void Handle(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            ref var packet = ref batch[i];
            _buffer.Attach(packet.Buffer, packet.Offset, packet.Length);
            _buffer.SetOrigin(exit, packet.Metadata.PacketId);
            var verdict = inbound ? engine.ProcessInbound(_buffer) : engine.ProcessOutbound(_buffer);
            switch (verdict.Action)
            {
                case PacketAction.Accept:
                    packet.Accept();
                    break;
                case PacketAction.AcceptModified:
                    packet.AcceptModified(_buffer.Offset, _buffer.Length);
                    if (inbound)
                    {
                        packet.Mark(decapsulatedMark);
                    }

                    break;
                case PacketAction.Held when exit is not null:
                    // The engine kept a copy and issues the verdict once the binding is settled.
                    packet.Defer();
                    break;
                default:
                    packet.Drop();
                    break;
            }
        }
    }
}
