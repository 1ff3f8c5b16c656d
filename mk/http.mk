# mk/http.mk: the HTTP surface (http/): OSCQuery, the status page and mDNS, linked into stemd.
# Included from the top-level Makefile (-include mk/*.mk, before mk/server.mk, which links it).
#
#   make http        build/libstemd-http.a (http/*.c and the status page compiled in)
#
# Libraries: libwebsockets (HTTP and WebSocket on one port, one event loop) and avahi-client
# (mDNS; stemd runs without avahi-daemon and says so). The page is http/status.html as a byte
# array (xxd -i), so the binary serves it without any file.
HTTP_PKGS     := libwebsockets avahi-client
HTTP_SRC      := $(sort $(wildcard http/*.c))
HTTP_OBJ      := $(HTTP_SRC:%.c=$(B)/%.o) $(B)/http/status_html.o
HTTP_LIB      := $(B)/libstemd-http.a
HTTP_LIBS      = $(call pc_libs,$(HTTP_PKGS))

$(HTTP_SRC:%.c=$(B)/%.o): override CFLAGS += $(call pc_cflags,$(HTTP_PKGS) liblo)

$(B)/http/status_html.c: http/status.html
	@mkdir -p $(dir $@)
	{ echo '/* generated from http/status.html by mk/http.mk: do not edit */'; \
	  echo 'extern const unsigned char http_status_html[];'; \
	  echo 'extern const unsigned int http_status_html_len;'; \
	  echo 'const unsigned char http_status_html[] = {'; xxd -i < $<; echo '};'; \
	  echo 'const unsigned int http_status_html_len = sizeof http_status_html;'; } > $@.tmp
	mv $@.tmp $@

$(B)/http/status_html.o: $(B)/http/status_html.c
	$(CC) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(HTTP_LIB): $(HTTP_OBJ)
	$(call need,libwebsockets,libwebsockets-dev)
	$(call need,avahi-client,libavahi-client-dev)
	@rm -f $@
	$(AR) rcs $@ $^

.PHONY: http
http: $(HTTP_LIB)
