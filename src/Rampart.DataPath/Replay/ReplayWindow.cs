namespace Rampart.DataPath.Replay;

/// <summary>
/// Anti-replay window (RFC 4303 §3.4.3) as an RFC 6479 ring of 64-bit blocks: advancing clears whole blocks,
/// never shifts. With ESN (RFC 4304) the high 32 bits are inferred as in RFC 4303 Appendix A.
/// Usage per packet: <see cref="Check"/> before the ICV (cheap), <see cref="Accept"/> only after it verified.
/// Not thread-safe: the SA serialises calls. A size of 0 disables the check (32-bit sequence numbers only).
/// </summary>
public sealed class ReplayWindow
{
    private const int BlockBits = 64;
    private readonly ulong[] _blocks;
    private readonly int _size;
    private readonly bool _extended;

    /// <summary>Highest sequence number accepted so far (full 64-bit value with ESN); 0 before the first packet.</summary>
    private ulong _top;

    public ReplayWindow(int size, bool extendedSequenceNumbers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size == 0 && extendedSequenceNumbers)
        {
            throw new ArgumentException("ESN needs a window to infer the high bits", nameof(size));
        }

        _size = size;
        _extended = extendedSequenceNumbers;

        // One spare block so the whole window stays valid while the top block is being reused.
        _blocks = new ulong[size == 0 ? 0 : ((size + BlockBits - 1) / BlockBits) + 1];
    }

    public int Size => _size;

    public ulong Highest => _top;

    /// <summary>
    /// Reconstructs the full sequence number from the 32 bits on the wire and says whether it may be new.
    /// Returns false for duplicates, numbers left of the window, and the never-valid number 0.
    /// </summary>
    public bool Check(uint wireSequence, out ulong sequence)
    {
        sequence = _extended ? Infer(wireSequence) : wireSequence;
        if (sequence == 0)
        {
            return false;
        }

        if (_size == 0 || sequence > _top)
        {
            return true;
        }

        if (_top - sequence >= (ulong)_size)
        {
            return false;
        }

        return (_blocks[BlockIndex(sequence)] & Bit(sequence)) == 0;
    }

    /// <summary>Marks an authenticated sequence number as seen, sliding the window forward when it is the new highest.</summary>
    public void Accept(ulong sequence)
    {
        if (_size == 0)
        {
            _top = Math.Max(_top, sequence);
            return;
        }

        if (sequence > _top)
        {
            var oldBlock = _top / BlockBits;
            var newBlock = sequence / BlockBits;
            var toClear = Math.Min(newBlock - oldBlock, (ulong)_blocks.Length);
            for (ulong i = 1; i <= toClear; i++)
            {
                _blocks[(int)((oldBlock + i) % (ulong)_blocks.Length)] = 0;
            }

            _top = sequence;
        }

        _blocks[BlockIndex(sequence)] |= Bit(sequence);
    }

    /// <summary>RFC 4303 Appendix A2.2: choose seq-hi so the number lands in or right of the window.</summary>
    private ulong Infer(uint low)
    {
        var topLow = (uint)_top;
        var topHigh = (uint)(_top >> 32);
        var windowStart = unchecked(topLow - (uint)_size + 1);
        uint high;
        if (topLow >= (uint)_size - 1)
        {
            high = low >= windowStart ? topHigh : unchecked(topHigh + 1);
        }
        else
        {
            // The window straddles a 2^32 boundary: numbers at its far end belong to the previous epoch.
            high = low >= windowStart ? unchecked(topHigh - 1) : topHigh;
            if (topHigh == 0 && low >= windowStart)
            {
                high = 0;
            }
        }

        return ((ulong)high << 32) | low;
    }

    private int BlockIndex(ulong sequence) => (int)(sequence / BlockBits % (ulong)_blocks.Length);

    private static ulong Bit(ulong sequence) => 1UL << (int)(sequence % BlockBits);
}
