/*
 * bcryptprimitives.dll for wine 8, which lacks it: Go 1.22 and later load
 * it at start-up for ProcessPrng, the only function they call from it.
 * This one fills the buffer from RtlGenRandom (advapi32's SystemFunction036,
 * which wine has). Built by scripts/wine-test.sh with mingw-w64; test use
 * only, never shipped.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
