namespace Rampart.Core.SecurityAssociations;

/// <summary>An SA protects traffic in one direction: inbound SAs are found by SPI, outbound SAs by the agent's key.</summary>
public enum SaDirection
{
    Inbound,
    Outbound,
}
