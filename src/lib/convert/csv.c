#include "convert/convert_internal.h"
double wats__csv_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name, (void)head, (void)len, (void)sn, (void)pn, (void)size;
	return 0;
}
int wats__csv_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	return wats__cctx_error(c, WATS_EUNSUPPORTED, 0, 0, "not implemented yet");
}
