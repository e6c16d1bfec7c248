// The import page's enhancement (serve/templates/contacts-import.html):
// a file chosen is read into the form's text box, so that the person sees
// what will be imported and the form posts it as if pasted.  Without this
// script the text box alone works.
const group = document.querySelector('.replyd-import-file')
const file = document.getElementById('csv-file')
const text = document.getElementById('csv')

if (group && file && text && window.FileReader) {
  group.hidden = false
  file.addEventListener('change', () => {
    const chosen = file.files && file.files[0]
    if (!chosen) return
    const reader = new FileReader()
    reader.addEventListener('load', () => {
      text.value = String(reader.result)
      text.focus()
    })
    reader.readAsText(chosen)
  })
}
