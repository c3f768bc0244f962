using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>
/// One SA data attribute (RFC 2408 §3.3): basic (TV, AF=1, 16-bit value) or variable (TLV).
/// The form is kept so that a parsed attribute re-serialises to the same bytes.
/// </summary>
public sealed class DataAttribute
{
    private readonly byte[] _variableValue;

    private DataAttribute(ushort type, bool isBasic, ushort basicValue, byte[] variableValue)
    {
        Type = type;
        IsBasic = isBasic;
        BasicValue = basicValue;
        _variableValue = variableValue;
    }

    public ushort Type { get; }

    public bool IsBasic { get; }

    public ushort BasicValue { get; }

    public ReadOnlySpan<byte> VariableValue => _variableValue;

    public int Length => IsBasic ? 4 : 4 + _variableValue.Length;

    public static DataAttribute Basic(ushort type, ushort value) => new(type, true, value, []);

    public static DataAttribute Variable(ushort type, ReadOnlySpan<byte> value) => new(type, false, 0, value.ToArray());

    /// <summary>A value such as a life duration: basic when it fits 16 bits, else a minimal big-endian TLV.</summary>
    public static DataAttribute Number(ushort type, ulong value)
    {
        if (value <= ushort.MaxValue)
        {
            return Basic(type, (ushort)value);
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var skip = 0;
        while (skip < 4 && bytes[skip] == 0)
        {
            skip++;
        }

        return Variable(type, bytes[skip..]);
    }

    /// <summary>The value as a number; false for a variable value longer than 8 bytes.</summary>
    public bool TryGetNumber(out ulong value)
    {
        if (IsBasic)
        {
            value = BasicValue;
            return true;
        }

        value = 0;
        if (_variableValue.Length is 0 or > 8)
        {
            return false;
        }

        foreach (var b in _variableValue)
        {
            value = (value << 8) | b;
        }

        return true;
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out DataAttribute? attribute, out int consumed)
    {
        attribute = null;
        consumed = 0;
        if (source.Length < 4)
        {
            return false;
        }

        var typeField = BinaryPrimitives.ReadUInt16BigEndian(source);
        var valueField = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var type = (ushort)(typeField & 0x7FFF);
        if ((typeField & 0x8000) != 0)
        {
            attribute = Basic(type, valueField);
            consumed = 4;
            return true;
        }

        if (source.Length < 4 + valueField)
        {
            return false;
        }

        attribute = Variable(type, source.Slice(4, valueField));
        consumed = 4 + valueField;
        return true;
    }

    public int Write(Span<byte> destination)
    {
        if (IsBasic)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Type | 0x8000));
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], BasicValue);
            return 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, Type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)_variableValue.Length);
        _variableValue.CopyTo(destination[4..]);
        return 4 + _variableValue.Length;
    }
}
