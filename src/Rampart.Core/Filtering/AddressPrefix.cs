using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Core.Filtering;

/// <summary>
/// An address and prefix length of one family, as 128-bit numbers so IPv4 and IPv6 share one code path
/// (IPv4 lives in the low 32 bits and its <see cref="Length"/> counts to 32).
/// </summary>
public readonly record struct AddressPrefix(UInt128 Address, byte Length, bool IsIPv6)
{
    public int MaxLength => IsIPv6 ? 128 : 32;

    public UInt128 Mask => MaskFor(Length, IsIPv6);

    public static AddressPrefix Host(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (value, isIPv6) = ToNumber(address);
        return new AddressPrefix(value, (byte)(isIPv6 ? 128 : 32), isIPv6);
    }

    public static AddressPrefix Network(IPNetwork network)
    {
        var (value, isIPv6) = ToNumber(network.BaseAddress);
        var length = (byte)network.PrefixLength;
        return new AddressPrefix(value & MaskFor(length, isIPv6), length, isIPv6);
    }

    public static AddressPrefix Any(bool isIPv6) => new(UInt128.Zero, 0, isIPv6);

    public bool Contains(UInt128 address) => (address & Mask) == Address;

    public static UInt128 MaskFor(byte length, bool isIPv6)
    {
        if (length == 0)
        {
            return UInt128.Zero;
        }

        return isIPv6 ? UInt128.MaxValue << (128 - length) : (UInt128)(uint.MaxValue << (32 - length));
    }

    public static (UInt128 Value, bool IsIPv6) ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return (BinaryPrimitives.ReadUInt32BigEndian(bytes), false);
        }

        address.TryWriteBytes(bytes, out _);
        return (BinaryPrimitives.ReadUInt128BigEndian(bytes), true);
    }

    public static IPAddress ToAddress(UInt128 value, bool isIPv6)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!isIPv6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
            return new IPAddress(bytes[..4]);
        }

        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public override string ToString() => Length == MaxLength
        ? ToAddress(Address, IsIPv6).ToString()
        : Length == 0 ? "any" : $"{ToAddress(Address, IsIPv6)}/{Length}";
}
