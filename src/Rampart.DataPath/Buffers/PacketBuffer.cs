namespace Rampart.DataPath.Buffers;

/// <summary>
/// A packet inside a larger reusable array: headers are written into the headroom in front of
/// <see cref="Offset"/> and trailers into the tailroom, so encapsulation never copies the payload
/// (wireguard-go style). Not thread-safe: one owner at a time.
/// </summary>
public sealed class PacketBuffer
{
    /// <summary>Enough for an outer IPv6 header, UDP, ESP header and a 16-byte IV, with room to spare.</summary>
    public const int DefaultHeadroom = 128;

    /// <summary>Enough for 255 bytes of padding, pad length, next header and a 32-byte ICV.</summary>
    public const int DefaultTailroom = 320;

    public PacketBuffer(int capacity = 2048 + DefaultHeadroom + DefaultTailroom)
    {
        Array = new byte[capacity];
        Offset = DefaultHeadroom;
    }

    public byte[] Array { get; private set; }

    /// <summary>Index in <see cref="Array"/> of the packet's first byte.</summary>
    public int Offset { get; private set; }

    public int Length { get; private set; }

    public int Headroom => Offset;

    public int Tailroom => Array.Length - Offset - Length;

    public Span<byte> Span => Array.AsSpan(Offset, Length);

    /// <summary>Where the packet's verdict is owed if the engine holds it (null: the packet came from no queue).</summary>
    public Rampart.DataPath.PolicyEngine.IPacketExit? Exit { get; private set; }

    /// <summary>The packet's id at <see cref="Exit"/>.</summary>
    public uint PacketId { get; private set; }

    /// <summary>Says where this packet came from, so a held copy can be released or dropped there later.</summary>
    public void SetOrigin(Rampart.DataPath.PolicyEngine.IPacketExit? exit, uint packetId)
    {
        Exit = exit;
        PacketId = packetId;
    }

    /// <summary>Places a packet of <paramref name="length"/> bytes at <paramref name="offset"/> (e.g. after a receive into <see cref="Array"/>).</summary>
    public void SetPacket(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Array.Length);
        Offset = offset;
        Length = length;
    }

    /// <summary>
    /// Points this buffer at a packet that already sits in someone else's array (a receive slot), so the
    /// transforms work on it in place: one buffer object per worker, re-attached per packet, no copy.
    /// </summary>
    public void Attach(byte[] array, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(array);
        Array = array;
        SetPacket(offset, length);
    }

    /// <summary>Copies a packet in behind the default headroom (tests and slow paths).</summary>
    public void Load(ReadOnlySpan<byte> packet)
    {
        SetPacket(Math.Min(DefaultHeadroom, Array.Length - packet.Length), packet.Length);
        packet.CopyTo(Span);
    }

    /// <summary>Grows the packet at the front by <paramref name="count"/> bytes; false when the headroom is too small.</summary>
    public bool TryPrepend(int count)
    {
        if (count > Offset)
        {
            return false;
        }

        Offset -= count;
        Length += count;
        return true;
    }

    /// <summary>Grows the packet at the end by <paramref name="count"/> bytes; false when the tailroom is too small.</summary>
    public bool TryAppend(int count)
    {
        if (count > Tailroom)
        {
            return false;
        }

        Length += count;
        return true;
    }

    /// <summary>Drops <paramref name="front"/> bytes at the start and <paramref name="back"/> bytes at the end.</summary>
    public void Trim(int front, int back)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(front);
        ArgumentOutOfRangeException.ThrowIfNegative(back);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(front + back, Length);
        Offset += front;
        Length -= front + back;
    }
}
