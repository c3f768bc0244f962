namespace Rampart.Core.SecurityAssociations;

/// <summary>Transport mode protects the payload between the SA endpoints; tunnel mode wraps a whole inner packet.</summary>
public enum SaMode
{
    Transport,
    Tunnel,
}
