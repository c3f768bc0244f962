using System.Security.Cryptography;
using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>
/// ECP groups 19 (P-256) and 20 (P-384) via <see cref="ECDiffieHellman"/>. The IKE public value is x||y and
/// the shared secret is the x coordinate of the product point (RFC 5903 §7, §9).
/// </summary>
public sealed class EcpDiffieHellman : IDiffieHellman
{
    private readonly ECDiffieHellman _key;
    private readonly byte[] _publicValue;

    public EcpDiffieHellman(DhGroup group)
        : this(group, ECDiffieHellman.Create(Curve(group)))
    {
    }

    /// <summary>Uses a known private key (test vectors).</summary>
    public EcpDiffieHellman(DhGroup group, ReadOnlySpan<byte> privateKey)
        : this(group, ECDiffieHellman.Create(new ECParameters { Curve = Curve(group), D = privateKey.ToArray() }))
    {
    }

    private EcpDiffieHellman(DhGroup group, ECDiffieHellman key)
    {
        Group = group;
        _key = key;
        var q = _key.ExportParameters(false).Q;
        _publicValue = [.. q.X!, .. q.Y!];
    }

    public DhGroup Group { get; }

    public ReadOnlySpan<byte> PublicValue => _publicValue;

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        var half = _publicValue.Length / 2;
        if (peerPublicValue.Length != _publicValue.Length)
        {
            return false;
        }

        try
        {
            // Import validates that the point lies on the curve (RFC 5903 §7 requires the check).
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = Curve(Group),
                Q = new ECPoint { X = peerPublicValue[..half].ToArray(), Y = peerPublicValue[half..].ToArray() },
            });
            sharedSecret = _key.DeriveRawSecretAgreement(peer.PublicKey);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();

    private static ECCurve Curve(DhGroup group) => group switch
    {
        DhGroup.Ecp256 => ECCurve.NamedCurves.nistP256,
        DhGroup.Ecp384 => ECCurve.NamedCurves.nistP384,
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };
}
