using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>One ephemeral Diffie-Hellman key pair of a group, with its IKE public value encoding.</summary>
public interface IDiffieHellman : IDisposable
{
    DhGroup Group { get; }

    /// <summary>The KE payload data: g^x padded to the prime length (MODP), x||y (ECP, RFC 5903), or u (X25519, RFC 8031).</summary>
    ReadOnlySpan<byte> PublicValue { get; }

    /// <summary>Validates the peer's public value and computes g^xy; false if the value is invalid.</summary>
    bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret);
}

/// <summary>Creates the key pair class for a group.</summary>
public static class DiffieHellmanFactory
{
    public static bool IsSupported(DhGroup group) => group is DhGroup.Modp768 or DhGroup.Modp1024 or DhGroup.Modp2048
        or DhGroup.Modp3072 or DhGroup.Modp4096 or DhGroup.Ecp256 or DhGroup.Ecp384 or DhGroup.X25519;

    public static IDiffieHellman Create(DhGroup group) => group switch
    {
        DhGroup.Ecp256 or DhGroup.Ecp384 => new EcpDiffieHellman(group),
        DhGroup.X25519 => new X25519DiffieHellman(),
        _ => new ModpDiffieHellman(group),
    };

    /// <summary>Length of the KE payload data for the group.</summary>
    public static int PublicValueLength(DhGroup group) => group switch
    {
        DhGroup.Modp768 => 96,
        DhGroup.Modp1024 => 128,
        DhGroup.Modp2048 => 256,
        DhGroup.Modp3072 => 384,
        DhGroup.Modp4096 => 512,
        DhGroup.Ecp256 => 64,
        DhGroup.Ecp384 => 96,
        DhGroup.X25519 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };
}
