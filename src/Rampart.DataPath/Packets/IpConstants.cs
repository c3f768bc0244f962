namespace Rampart.DataPath.Packets;

/// <summary>IP header sizes, offsets and protocol numbers the data path uses.</summary>
internal static class IpConstants
{
    public const int Ipv4MinHeader = 20;
    public const int Ipv6Header = 40;
    public const int UdpHeader = 8;
    public const byte ProtocolIpv4InIp = 4;
    public const byte ProtocolUdp = 17;
    public const byte ProtocolIpv6InIp = 41;
    public const byte ProtocolEsp = 50;
    public const byte ProtocolAh = 51;
    public const byte Ipv6HopByHop = 0;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte DefaultTtl = 64;

    /// <summary>
    /// IPv6 extension headers that must stay in front of ESP/AH in transport mode. We do not walk extension
    /// headers; packets carrying these are refused as Unsupported rather than mis-protected.
    /// </summary>
    public static bool IsIpv6HeaderBeforeIpsec(byte nextHeader) =>
        nextHeader is Ipv6HopByHop or Ipv6Routing or Ipv6Fragment;
}
