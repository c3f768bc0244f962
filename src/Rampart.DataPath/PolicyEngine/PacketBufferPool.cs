using System.Collections.Concurrent;
using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>Reusable buffers for held packets; keeps at most <paramref name="maxRetained"/> idle ones.</summary>
internal sealed class PacketBufferPool(int maxRetained)
{
    private readonly ConcurrentQueue<PacketBuffer> _idle = new();

    public PacketBuffer Rent() => _idle.TryDequeue(out var buffer) ? buffer : new PacketBuffer();

    public void Return(PacketBuffer buffer)
    {
        if (_idle.Count < maxRetained)
        {
            _idle.Enqueue(buffer);
        }
    }
}
