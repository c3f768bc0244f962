namespace Rampart.DataPath.Linux;

/// <summary>
/// One packet of a <see cref="PacketBatch"/>. Its bytes live in a pinned slot buffer with headroom in front
/// and tailroom behind, so a transform can add headers and trailers in place without copying.
/// </summary>
public struct QueuedPacket
{
    internal byte[] Buffer;

    public PacketMetadata Metadata { get; internal set; }

    /// <summary>Offset of the packet's first byte in <see cref="Room"/>.</summary>
    public int Offset { get; private set; }

    public int Length { get; private set; }

    public QueueVerdict Verdict { get; private set; }

    /// <summary>The mark to set with the verdict, when <see cref="SetsMark"/>.</summary>
    public uint NewMark { get; private set; }

    public bool SetsMark { get; private set; }

    /// <summary>The verdict is not sent with the batch: the engine holds the packet and issues it later (<see cref="NfQueueSocket.Release"/>).</summary>
    public bool Deferred { get; private set; }

    /// <summary>The current packet bytes (IP header first).</summary>
    public readonly Span<byte> Data => Buffer.AsSpan(Offset, Length);

    /// <summary>The whole slot: headroom, packet and tailroom.</summary>
    public readonly Span<byte> Room => Buffer;

    public void Accept() => Verdict = QueueVerdict.Accept;

    public void Drop() => Verdict = QueueVerdict.Drop;

    /// <summary>Leaves the verdict to whoever holds the packet now (it must issue one, or the kernel keeps it queued).</summary>
    public void Defer() => Deferred = true;

    /// <summary>Accepts the bytes at <paramref name="offset"/>..+<paramref name="length"/> of <see cref="Room"/> instead of the original.</summary>
    public void AcceptModified(int offset, int length)
    {
        if (offset < 0 || length <= 0 || length > NfQueueProtocol.MaxPayloadLength || offset + length > Buffer.Length)
        {
            // Too big for a verdict: the kernel would drop it anyway, so say so explicitly.
            Verdict = QueueVerdict.Drop;
            return;
        }

        Offset = offset;
        Length = length;
        Verdict = QueueVerdict.AcceptModified;
    }

    /// <summary>Sets the packet mark with the verdict (decapsulated packets are marked for filter INPUT).</summary>
    public void Mark(uint mark)
    {
        NewMark = mark;
        SetsMark = true;
    }

    internal void Reset(byte[] buffer, PacketMetadata metadata, int offset, int length)
    {
        Buffer = buffer;
        Metadata = metadata;
        Offset = offset;
        Length = length;
        Verdict = QueueVerdict.Drop;
        NewMark = 0;
        SetsMark = false;
        Deferred = false;
    }
}
