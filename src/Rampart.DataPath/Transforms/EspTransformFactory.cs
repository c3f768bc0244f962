using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.DataPath.Transforms;

/// <summary>Builds the transform an ESP SA specification names.</summary>
public static class EspTransformFactory
{
    public static IEspTransform Create(SecurityAssociationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Cipher switch
        {
            CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesGcm256 => new AesGcmEsp(spec.CipherKey.Span),
            CipherAlgorithm.ChaCha20Poly1305 => new ChaCha20Poly1305Esp(spec.CipherKey.Span),
            CipherAlgorithm.Null => new NullHmacEsp(spec.Integrity, spec.IntegrityKey.Span),
            _ => new CbcHmacEsp(spec.Cipher, spec.CipherKey.Span, spec.Integrity, spec.IntegrityKey.Span),
        };
    }
}
