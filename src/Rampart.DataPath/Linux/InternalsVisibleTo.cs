using System.Runtime.CompilerServices;

// The netlink codec is internal; its parser is unit-tested with crafted and malformed messages.
[assembly: InternalsVisibleTo("Rampart.Integration.Tests")]
